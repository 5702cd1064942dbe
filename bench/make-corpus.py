#!/usr/bin/env python3
"""Builds benchmark mboxes for patchlab-bench from the shared test corpus.

Modes (exactly one output file per run):
  --size-mb N      an mbox of at least N MB: every mail-shaped file under ../shared/corpus and
                   ../shared/threads, split into messages, de-duplicated by Message-ID, then copied
                   again and again; each copy rewrites Message-ID, In-Reply-To and References
                   consistently (same suffix per copy), so threads stay threads and every
                   Message-ID is unique.
  --messages N     the first N messages of that same stream (e.g. a 1,000-message mbox).
  --thread N       one thread of N messages: a 4-patch series, then replies quoting a patch
                   (sub-threads of 8 replies per patch, so reply chains stay at most 8 deep).
  --patch-lines N  one mail carrying a single patch whose diff is about N lines long.

Body lines starting with "From " are written as ">From " (mboxo), so Python's mailbox,
git mailsplit and patchlab all see the same message count. Only the standard library is used.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.environ.get("PATCHLAB_SHARED", os.path.join(os.path.dirname(REPO), "shared"))

# The strict separator shape (as git mailsplit): "From <anything> ... hh:mm:ss ... yyyy".
SEPARATOR = re.compile(rb"^From \S+ .*\d\d:\d\d:\d\d.*\d{4}\s*$")
HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
ID_HEADERS = re.compile(rb"^(message-id|in-reply-to|references)\s*:", re.I)
ANGLE = re.compile(rb"<([^<>\s]+)>")
OUT_SEPARATOR = b"From patchlab-bench Mon Sep 17 00:00:00 2001\n"


def mail_files():
    """Every regular file under corpus/ and threads/ whose first line (after an optional
    separator or `$ command` line) is a header; sorted for a stable stream."""
    out = []
    for top in ("corpus", "threads"):
        for dirpath, _dirs, files in os.walk(os.path.join(SHARED, top)):
            for name in files:
                out.append(os.path.join(dirpath, name))
    return sorted(out)


def split_messages(data):
    """Splits one file into raw messages (bytes, without separator line), or [] if not mail."""
    lines = data.split(b"\n")
    if lines and lines[0].startswith(b"$ "):
        lines = lines[1:]
    msgs, cur = [], None
    for line in lines:
        if SEPARATOR.match(line):
            if cur is not None:
                msgs.append(cur)
            cur = []
            continue
        if cur is None:
            cur = []
        cur.append(line)
    if cur is not None:
        msgs.append(cur)
    result = []
    for m in msgs:
        while m and m[-1].strip() == b"":
            m.pop()
        if m and HEADER_LINE.match(m[0]):
            result.append(m)
    return result


def header_end(lines):
    for i, line in enumerate(lines):
        if line.strip(b"\r") == b"":
            return i
    return len(lines)


def message_id(lines):
    end = header_end(lines)
    for i in range(end):
        if lines[i].lower().startswith(b"message-id:"):
            value = lines[i]
            j = i + 1
            while j < end and lines[j][:1] in (b" ", b"\t"):
                value += lines[j]
                j += 1
            m = ANGLE.search(value)
            return m.group(1) if m else value.split(b":", 1)[1].strip()
    return None


def load_stream():
    seen, stream = set(), []
    for path in mail_files():
        with open(path, "rb") as f:
            data = f.read()
        for idx, lines in enumerate(split_messages(data)):
            mid = message_id(lines)
            if mid is not None:
                if mid in seen:
                    continue
                seen.add(mid)
            else:
                # Give it an ID so the output has unique Message-IDs throughout.
                rel = os.path.relpath(path, SHARED).encode()
                tag = re.sub(rb"[^A-Za-z0-9.]", b"-", rel) + b"." + str(idx).encode()
                lines = [b"Message-ID: <" + tag + b"@patchlab-bench>"] + lines
            stream.append(lines)
    return stream


def rewrite(lines, suffix):
    """Returns the message as mbox bytes (separator included) with IDs rewritten."""
    end = header_end(lines)
    out = [OUT_SEPARATOR]
    in_id_header = False
    for i, line in enumerate(lines):
        if i < end:
            if line[:1] in (b" ", b"\t"):
                pass
            else:
                in_id_header = bool(ID_HEADERS.match(line))
            if in_id_header:
                line = ANGLE.sub(lambda m: b"<" + m.group(1) + suffix + b">", line)
        elif line.startswith(b"From "):
            line = b">" + line
        out.append(line)
        out.append(b"\n")
    out.append(b"\n")
    return b"".join(out)


def classify(lines):
    text = b"\n".join(lines)
    end = header_end(lines)
    head = b"\n".join(lines[:end]).lower()
    kinds = []
    if b"\ndiff --git " in text or b"\n--- a/" in text or b"\n@@ -" in text:
        kinds.append("patch")
    if re.search(rb"^subject:\s*(re|aw|fwd?):", head, re.M | re.I):
        kinds.append("reply")
    if b"multipart/" in head:
        kinds.append("multipart")
    low = text.lower()
    if b"content-transfer-encoding: base64" in low:
        kinds.append("base64")
    if b"content-transfer-encoding: quoted-printable" in low:
        kinds.append("qp")
    return kinds


def write_size(out, size_mb, limit_messages=None):
    stream = load_stream()
    target = size_mb * 1024 * 1024
    written, count, copy = 0, 0, 0
    stats = {}
    with open(out, "wb") as f:
        while True:
            suffix = b".c%d" % copy
            for lines in stream:
                if limit_messages is not None and count >= limit_messages:
                    break
                chunk = rewrite(lines, suffix)
                f.write(chunk)
                written += len(chunk)
                count += 1
                if copy == 0:
                    for k in classify(lines):
                        stats[k] = stats.get(k, 0) + 1
            copy += 1
            if limit_messages is not None:
                if count >= limit_messages:
                    break
            elif written >= target:
                break
    per_copy = len(stream)
    mix = ", ".join("%s %d" % (k, v) for k, v in sorted(stats.items()))
    print("%s: %.1f MB, %d messages (%d copies of %d distinct; per copy: %s)"
          % (out, written / 1e6, count, copy, per_copy, mix))


PATCH_TEMPLATE = b"""Subject: [PATCH v2 %(n)d/4] mm: userfaultfd: bench patch %(n)d
From: Patch Author <author@example.org>
Date: Mon, 30 Jun 2025 10:%(mm)02d:00 +0000
Message-ID: <bench-thread-patch-%(n)d@example.org>
In-Reply-To: <bench-thread-cover@example.org>
References: <bench-thread-cover@example.org>

Teach the bench about patch %(n)d.

Signed-off-by: Patch Author <author@example.org>
---
 mm/userfaultfd.c | 6 ++++--
 1 file changed, 4 insertions(+), 2 deletions(-)

diff --git a/mm/userfaultfd.c b/mm/userfaultfd.c
index 1111111..2222222 100644
--- a/mm/userfaultfd.c
+++ b/mm/userfaultfd.c
@@ -%(a)d,7 +%(a)d,9 @@ static int mfill_atomic_pte(struct mm_struct *dst_mm,
 \tint ret;
 \tstruct folio *folio;
-\tret = shmem_mfill_atomic_pte(dst_pmd, dst_vma, dst_addr, src_addr, flags);
-\treturn ret;
+\tconst struct vm_uffd_ops *ops = vma_uffd_ops(dst_vma);
+\tif (!ops)
+\t\treturn -EINVAL;
+\tret = ops->mfill_atomic(dst_pmd, dst_vma, dst_addr, src_addr, flags);
+\treturn ret;
 }
 
 static int mfill_atomic_pte_zeropage(pmd_t *dst_pmd,
-- 
2.49.0
"""

REPLY_TEMPLATE = b"""Subject: Re: [PATCH v2 %(n)d/4] mm: userfaultfd: bench patch %(n)d
From: Reviewer %(r)d <reviewer%(r)d@example.org>
Date: Tue, 01 Jul 2025 %(hh)02d:%(mm)02d:00 +0000
Message-ID: <bench-thread-reply-%(i)d@example.org>
In-Reply-To: <%(parent)s>
References: <bench-thread-cover@example.org> <bench-thread-patch-%(n)d@example.org> <%(parent)s>

On Mon, Jun 30, 2025 at 10:00:00AM +0000, Patch Author wrote:
> diff --git a/mm/userfaultfd.c b/mm/userfaultfd.c
> index 1111111..2222222 100644
> --- a/mm/userfaultfd.c
> +++ b/mm/userfaultfd.c
> @@ -%(a)d,7 +%(a)d,9 @@ static int mfill_atomic_pte(struct mm_struct *dst_mm,
> \tint ret;
> \tstruct folio *folio;
> -\tret = shmem_mfill_atomic_pte(dst_pmd, dst_vma, dst_addr, src_addr, flags);
> -\treturn ret;
> +\tconst struct vm_uffd_ops *ops = vma_uffd_ops(dst_vma);
> +\tif (!ops)
> +\t\treturn -EINVAL;

Can ops really be NULL here? Every VMA that reaches this point was registered, so the
check looks dead; a VM_WARN_ON_ONCE would say what you mean (reply %(i)d).

> +\tret = ops->mfill_atomic(dst_pmd, dst_vma, dst_addr, src_addr, flags);

Reviewed-by: Reviewer %(r)d <reviewer%(r)d@example.org>
"""

COVER = b"""Subject: [PATCH v2 0/4] mm: userfaultfd: bench series
From: Patch Author <author@example.org>
Date: Mon, 30 Jun 2025 10:00:00 +0000
Message-ID: <bench-thread-cover@example.org>

A synthetic series for the thread benchmark.

Patch Author (4):
  mm: userfaultfd: bench patch 1
  mm: userfaultfd: bench patch 2
  mm: userfaultfd: bench patch 3
  mm: userfaultfd: bench patch 4
"""


def emit(f, text):
    f.write(OUT_SEPARATOR)
    f.write(text)
    if not text.endswith(b"\n"):
        f.write(b"\n")
    f.write(b"\n")


def write_thread(out, n):
    with open(out, "wb") as f:
        emit(f, COVER)
        count = 1
        for p in range(1, 5):
            if count >= n:
                break
            emit(f, PATCH_TEMPLATE % {b"n": p, b"mm": p, b"a": 100 * p})
            count += 1
        i = 0
        while count < n:
            p = 1 + i % 4
            # Sub-threads of 8 on each patch: the first reply answers the patch, each next one
            # the previous reply on that patch (reply depth <= 8, as in real review threads).
            parent = ("bench-thread-patch-%d@example.org" % p) if (i // 4) % 8 == 0 \
                else ("bench-thread-reply-%d@example.org" % (i - 4))
            emit(f, REPLY_TEMPLATE % {b"n": p, b"r": i % 97, b"i": i, b"a": 100 * p,
                                      b"hh": (i // 60) % 24, b"mm": i % 60,
                                      b"parent": parent.encode()})
            i += 1
            count += 1
    print("%s: %.1f MB, %d messages in one thread" % (out, os.path.getsize(out) / 1e6, n))


def write_big_patch(out, lines):
    body = [b"Subject: [PATCH] lib: one very large patch for the scrolling benchmark",
            b"From: Patch Author <author@example.org>",
            b"Date: Mon, 30 Jun 2025 10:00:00 +0000",
            b"Message-ID: <bench-big-patch@example.org>",
            b"", b"A single patch with many hunks over many files.", b"",
            b"Signed-off-by: Patch Author <author@example.org>", b"---"]
    produced, file_no = 0, 0
    while produced < lines:
        file_no += 1
        name = b"lib/bench/file%04d.c" % file_no
        body += [b"diff --git a/" + name + b" b/" + name, b"index 1111111..2222222 100644",
                 b"--- a/" + name, b"+++ b/" + name]
        produced += 4
        for h in range(20):
            start = 1 + h * 40
            body.append(b"@@ -%d,8 +%d,9 @@ static int bench_fn_%d(void)" % (start, start + h, h))
            body += [b" \tint a = %d;" % h, b" \tint b = a * 2;", b"-\treturn a + b;",
                     b"+\tint c = a + b;", b"+\tpr_debug(\"bench %%d\\n\", c);", b"+\treturn c;",
                     b" }", b" ", b" static int bench_fn_next(void)"]
            produced += 10
            if produced >= lines:
                break
    body += [b"-- ", b"2.49.0", b""]
    with open(out, "wb") as f:
        emit(f, b"\n".join(body))
    print("%s: %.1f MB, one patch of %d diff lines in %d files"
          % (out, os.path.getsize(out) / 1e6, produced, file_no))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--size-mb", type=int)
    mode.add_argument("--messages", type=int)
    mode.add_argument("--thread", type=int)
    mode.add_argument("--patch-lines", type=int)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    if a.size_mb is not None:
        write_size(a.out, a.size_mb)
    elif a.messages is not None:
        write_size(a.out, 0, limit_messages=a.messages)
    elif a.thread is not None:
        write_thread(a.out, a.thread)
    else:
        write_big_patch(a.out, a.patch_lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
