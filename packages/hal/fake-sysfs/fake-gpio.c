/*
 * A fake /sys/class/gpio served over FUSE, so unmodified onoff (export, direction, edge,
 * active_low, value, epoll edge interrupts and its debounce) runs on a machine without GPIO.
 *
 * Kernel behaviour it copies (Documentation/ABI/obsolete/sysfs-gpio):
 *   export/unexport take the sysfs number (chip base + offset); numbers outside every chip
 *   give EINVAL, a number exported twice EBUSY; gpiochipN/{base,label,ngpio} describe the chips;
 *   writing value on an input gives EPERM; value reads as the logical level (active_low applied);
 *   poll() reports POLLPRI|POLLERR after an edge the edge file asks for, until value is read.
 *
 * The test's hand on the wires is the extra file gpioN/.line: writing 0 or 1 sets the physical
 * level an outside circuit gives an input (a button pulls it to 0 V; 1 is the pull-up); reading
 * it gives the physical level of any pin.
 *
 * Usage: fake-gpio MOUNTPOINT --chip=BASE:NGPIO:LABEL [--chip=...] [--busy=N,...] [--deny-export]
 * Runs in the foreground, single-threaded, and exits when its parent dies.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#define MAX_CHIPS 8
#define MAX_PINS 1024

struct chip { int base, ngpio; char label[64]; };
struct pin {
  int exported, output, active_low, physical, external, pending;
  char edge[8];
  struct fuse_pollhandle *poll_handle;
};

static struct chip chips[MAX_CHIPS];
static int chip_count;
static struct pin pins[MAX_PINS];
static int busy[MAX_PINS];
static int deny_export;

static int in_some_chip(int n) {
  for (int i = 0; i < chip_count; i++)
    if (n >= chips[i].base && n < chips[i].base + chips[i].ngpio) return 1;
  return 0;
}

/* What a path names: kind of node, pin or chip number, and the file inside. */
enum kind { K_NONE, K_ROOT, K_EXPORT, K_UNEXPORT, K_CHIP_DIR, K_CHIP_FILE, K_PIN_DIR, K_PIN_FILE };
struct node { enum kind kind; int number; const char *file; };

static struct node lookup(const char *path) {
  struct node node = {K_NONE, -1, NULL};
  int n, used = 0;
  if (strcmp(path, "/") == 0) node.kind = K_ROOT;
  else if (strcmp(path, "/export") == 0) node.kind = K_EXPORT;
  else if (strcmp(path, "/unexport") == 0) node.kind = K_UNEXPORT;
  else if (sscanf(path, "/gpiochip%d%n", &n, &used) == 1) {
    for (int i = 0; i < chip_count; i++)
      if (chips[i].base == n) node.number = i;
    if (node.number < 0) return node;
    const char *rest = path + used;
    if (*rest == '\0') node.kind = K_CHIP_DIR;
    else if (!strcmp(rest, "/base") || !strcmp(rest, "/label") || !strcmp(rest, "/ngpio")) {
      node.kind = K_CHIP_FILE;
      node.file = rest + 1;
    }
  } else if (sscanf(path, "/gpio%d%n", &n, &used) == 1 && n >= 0 && n < MAX_PINS && pins[n].exported) {
    const char *rest = path + used;
    node.number = n;
    if (*rest == '\0') node.kind = K_PIN_DIR;
    else if (!strcmp(rest, "/value") || !strcmp(rest, "/direction") || !strcmp(rest, "/edge") ||
             !strcmp(rest, "/active_low") || !strcmp(rest, "/.line")) {
      node.kind = K_PIN_FILE;
      node.file = rest + 1;
    }
  }
  return node;
}

static int fg_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void)fi;
  struct node node = lookup(path);
  memset(st, 0, sizeof *st);
  switch (node.kind) {
  case K_ROOT: case K_CHIP_DIR: case K_PIN_DIR: st->st_mode = S_IFDIR | 0755; st->st_nlink = 2; return 0;
  case K_EXPORT: case K_UNEXPORT: st->st_mode = S_IFREG | 0200; break;
  case K_CHIP_FILE: st->st_mode = S_IFREG | 0444; break;
  case K_PIN_FILE: st->st_mode = S_IFREG | 0644; break;
  case K_NONE: return -ENOENT;
  }
  st->st_nlink = 1;
  st->st_size = 4096; /* what sysfs reports for attributes */
  return 0;
}

static int fg_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
  (void)off; (void)fi; (void)flags;
  struct node node = lookup(path);
  char name[32];
  fill(buf, ".", NULL, 0, 0);
  fill(buf, "..", NULL, 0, 0);
  if (node.kind == K_ROOT) {
    fill(buf, "export", NULL, 0, 0);
    fill(buf, "unexport", NULL, 0, 0);
    for (int i = 0; i < chip_count; i++) { snprintf(name, sizeof name, "gpiochip%d", chips[i].base); fill(buf, name, NULL, 0, 0); }
    for (int n = 0; n < MAX_PINS; n++)
      if (pins[n].exported) { snprintf(name, sizeof name, "gpio%d", n); fill(buf, name, NULL, 0, 0); }
  } else if (node.kind == K_CHIP_DIR) {
    fill(buf, "base", NULL, 0, 0); fill(buf, "label", NULL, 0, 0); fill(buf, "ngpio", NULL, 0, 0);
  } else if (node.kind == K_PIN_DIR) {
    fill(buf, "value", NULL, 0, 0); fill(buf, "direction", NULL, 0, 0); fill(buf, "edge", NULL, 0, 0);
    fill(buf, "active_low", NULL, 0, 0);
  } else return -ENOTDIR;
  return 0;
}

static int fg_open(const char *path, struct fuse_file_info *fi) {
  struct node node = lookup(path);
  if (node.kind == K_NONE) return -ENOENT;
  if (node.kind == K_EXPORT && deny_export) return -EACCES;
  fi->direct_io = 1; /* every read and write reaches us, as with sysfs */
  fi->nonseekable = 0;
  return 0;
}

static int logical(const struct pin *p) { return p->physical ^ p->active_low; }

static int fg_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  struct node node = lookup(path);
  char text[80];
  if (node.kind == K_CHIP_FILE) {
    struct chip *c = &chips[node.number];
    if (!strcmp(node.file, "base")) snprintf(text, sizeof text, "%d\n", c->base);
    else if (!strcmp(node.file, "ngpio")) snprintf(text, sizeof text, "%d\n", c->ngpio);
    else snprintf(text, sizeof text, "%s\n", c->label);
  } else if (node.kind == K_PIN_FILE) {
    struct pin *p = &pins[node.number];
    if (!strcmp(node.file, "value")) { snprintf(text, sizeof text, "%d\n", logical(p)); p->pending = 0; }
    else if (!strcmp(node.file, "direction")) snprintf(text, sizeof text, "%s\n", p->output ? "out" : "in");
    else if (!strcmp(node.file, "edge")) snprintf(text, sizeof text, "%s\n", p->edge);
    else if (!strcmp(node.file, "active_low")) snprintf(text, sizeof text, "%d\n", p->active_low);
    else snprintf(text, sizeof text, "%d\n", p->physical);
  } else return -EINVAL;
  size_t len = strlen(text);
  if ((size_t)off >= len) return 0;
  if (size > len - off) size = len - off;
  memcpy(buf, text + off, size);
  return (int)size;
}

/* Sets a pin's physical level and raises an interrupt when the edge setting asks for it. */
static void set_physical(struct pin *p, int level) {
  int before = logical(p);
  p->physical = level;
  int after = logical(p);
  if (before == after) return;
  int wanted = !strcmp(p->edge, "both") || (after && !strcmp(p->edge, "rising")) || (!after && !strcmp(p->edge, "falling"));
  if (!wanted) return;
  p->pending = 1;
  if (p->poll_handle) fuse_notify_poll(p->poll_handle);
}

static int parse_int(const char *buf, size_t size, int *out) {
  char text[32], *end;
  if (size == 0 || size >= sizeof text) return 0;
  memcpy(text, buf, size);
  text[size] = '\0';
  long v = strtol(text, &end, 10);
  if (end == text || (*end != '\0' && *end != '\n')) return 0;
  *out = (int)v;
  return 1;
}

static int word_is(const char *buf, size_t size, const char *word) {
  size_t n = strlen(word);
  return (size == n || (size == n + 1 && buf[n] == '\n')) && !strncmp(buf, word, n);
}

static int fg_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)off; (void)fi;
  struct node node = lookup(path);
  int n;
  if (node.kind == K_EXPORT || node.kind == K_UNEXPORT) {
    if (!parse_int(buf, size, &n) || n < 0 || n >= MAX_PINS || !in_some_chip(n)) return -EINVAL;
    struct pin *p = &pins[n];
    if (node.kind == K_UNEXPORT) {
      if (!p->exported) return -EINVAL;
      if (p->poll_handle) fuse_pollhandle_destroy(p->poll_handle);
      memset(p, 0, sizeof *p);
      return (int)size;
    }
    if (busy[n] || p->exported) return -EBUSY;
    memset(p, 0, sizeof *p);
    p->exported = 1;
    p->physical = p->external = 1; /* an idle input with its pull-up */
    strcpy(p->edge, "none");
    return (int)size;
  }
  if (node.kind != K_PIN_FILE) return -EINVAL;
  struct pin *p = &pins[node.number];
  if (!strcmp(node.file, "value")) {
    if (!p->output) return -EPERM;
    if (!parse_int(buf, size, &n)) return -EINVAL;
    set_physical(p, (n != 0) ^ p->active_low);
  } else if (!strcmp(node.file, ".line")) {
    if (!parse_int(buf, size, &n)) return -EINVAL;
    p->external = n != 0;
    if (!p->output) set_physical(p, p->external);
  } else if (!strcmp(node.file, "direction")) {
    if (word_is(buf, size, "in")) { p->output = 0; set_physical(p, p->external); }
    else if (word_is(buf, size, "out") || word_is(buf, size, "low")) { p->output = 1; set_physical(p, p->active_low); }
    else if (word_is(buf, size, "high")) { p->output = 1; set_physical(p, !p->active_low); }
    else return -EINVAL;
  } else if (!strcmp(node.file, "edge")) {
    const char *edges[] = {"none", "rising", "falling", "both"};
    int ok = 0;
    for (int i = 0; i < 4; i++)
      if (word_is(buf, size, edges[i])) { strcpy(p->edge, edges[i]); ok = 1; }
    if (!ok) return -EINVAL;
  } else if (!strcmp(node.file, "active_low")) {
    if (!parse_int(buf, size, &n)) return -EINVAL;
    p->active_low = n != 0;
  }
  return (int)size;
}

static int fg_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  (void)size; (void)fi;
  return lookup(path).kind == K_NONE ? -ENOENT : 0;
}

static int fg_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph, unsigned *revents) {
  (void)fi;
  struct node node = lookup(path);
  if (node.kind != K_PIN_FILE || strcmp(node.file, "value")) {
    if (ph) fuse_pollhandle_destroy(ph);
    *revents = POLLIN;
    return 0;
  }
  struct pin *p = &pins[node.number];
  if (ph) {
    if (p->poll_handle) fuse_pollhandle_destroy(p->poll_handle);
    p->poll_handle = ph;
  }
  *revents = POLLIN | (p->pending ? POLLPRI | POLLERR : 0);
  return 0;
}

static void *fg_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->direct_io = 1;
  return NULL;
}

static const struct fuse_operations operations = {
    .init = fg_init, .getattr = fg_getattr, .readdir = fg_readdir, .open = fg_open, .read = fg_read,
    .write = fg_write, .truncate = fg_truncate, .poll = fg_poll,
};

int main(int argc, char *argv[]) {
  char *fuse_argv[16];
  int fuse_argc = 0;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  fuse_argv[fuse_argc++] = argv[0];
  for (int i = 1; i < argc; i++) {
    if (!strncmp(argv[i], "--chip=", 7) && chip_count < MAX_CHIPS) {
      struct chip *c = &chips[chip_count];
      if (sscanf(argv[i] + 7, "%d:%d:%63s", &c->base, &c->ngpio, c->label) != 3) {
        fprintf(stderr, "fake-gpio: expected --chip=BASE:NGPIO:LABEL, got %s\n", argv[i]);
        return 2;
      }
      chip_count++;
    } else if (!strncmp(argv[i], "--busy=", 7)) {
      for (char *s = argv[i] + 7; *s;) {
        long n = strtol(s, &s, 10);
        if (n >= 0 && n < MAX_PINS) busy[n] = 1;
        if (*s == ',') s++; else break;
      }
    } else if (!strcmp(argv[i], "--deny-export")) {
      deny_export = 1;
    } else if (fuse_argc < 12) {
      fuse_argv[fuse_argc++] = argv[i];
    }
  }
  fuse_argv[fuse_argc++] = "-f";
  fuse_argv[fuse_argc++] = "-s";
  fuse_argv[fuse_argc] = NULL;
  return fuse_main(fuse_argc, fuse_argv, &operations, NULL);
}
