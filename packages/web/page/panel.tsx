import type { ComponentChildren } from "preact";

/** A dashboard section: a landmark named by its heading. */
export function Panel(props: { id: string; title: string; class?: string; children: ComponentChildren }) {
  return (
    <section id={props.id} class={`panel ${props.class ?? ""}`} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** A reply's outcome shown under the control that asked, in a polite live region. */
export interface Notice {
  ok: boolean;
  text: string;
}

export function NoticeLine(props: { notice: Notice | null; id?: string }) {
  return (
    <p id={props.id} class={`notice ${props.notice === null ? "" : props.notice.ok ? "ok" : "error"}`} aria-live="polite">
      {props.notice?.text ?? ""}
    </p>
  );
}
