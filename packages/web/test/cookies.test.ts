import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clearedSessionCookie, parseCookies, sessionCookie, sessionCookieName, sessionIdOf } from "../src/cookies.js";

const attributesOf = (cookie: string) => cookie.split("; ").slice(1);

describe("the session cookie", () => {
  it("is HttpOnly and SameSite=Strict on plain HTTP, without Secure", () => {
    const cookie = sessionCookie("abc", { tls: false, maxAgeS: 3600 });
    assert.ok(cookie.startsWith("roomguard=abc; "));
    assert.deepEqual(attributesOf(cookie).sort(), ["HttpOnly", "Max-Age=3600", "Path=/", "SameSite=Strict"]);
  });
  it("is Secure with a __Host- name and Path=/ and no Domain under TLS", () => {
    const cookie = sessionCookie("abc", { tls: true, maxAgeS: 60 });
    assert.ok(cookie.startsWith("__Host-roomguard=abc; "));
    assert.deepEqual(attributesOf(cookie).sort(), ["HttpOnly", "Max-Age=60", "Path=/", "SameSite=Strict", "Secure"]);
    assert.doesNotMatch(cookie, /Domain/i);
  });
  it("is cleared with Max-Age=0 under the same name", () => {
    assert.match(clearedSessionCookie({ tls: true }), /^__Host-roomguard=; .*Max-Age=0/);
    assert.match(clearedSessionCookie({ tls: false }), /^roomguard=; .*Max-Age=0/);
  });
});

describe("parseCookies", () => {
  it("reads name=value pairs, the first of a name winning, quotes taken off", () => {
    const cookies = parseCookies('a=1; roomguard=xyz;b="two" ; a=3; =bad; novalue; c=');
    assert.deepEqual(
      [...cookies],
      [
        ["a", "1"],
        ["roomguard", "xyz"],
        ["b", "two"],
        ["c", ""],
      ],
    );
  });
  it("gives nothing for no header or an oversized one", () => {
    assert.equal(parseCookies(undefined).size, 0);
    assert.equal(parseCookies(`a=${"x".repeat(9000)}`).size, 0);
  });
  it("finds the session id under the name for the scheme only", () => {
    assert.equal(sessionIdOf("roomguard=plain; __Host-roomguard=tls", true), "tls");
    assert.equal(sessionIdOf("roomguard=plain; __Host-roomguard=tls", false), "plain");
    assert.equal(sessionIdOf("__Host-roomguard=tls", false), undefined);
    assert.equal(sessionIdOf("roomguard=", false), undefined);
    assert.equal(sessionCookieName(true), "__Host-roomguard");
  });
});
