#!/usr/bin/env python3
"""Writes reviews/demo-vm_uffd_ops.mbox: patchlab's own demo review thread.

The thread is written by the project in its own words. It follows the shape of the real
`vm_uffd_ops` discussion (a series that lets memory types describe their userfaultfd support, and
the design points reviewers argued), with invented people at example.org, so that every design
knob of patchlab's model has comments that argue it. Hunk headers are computed here from the hunk
bodies, and every reply quotes the exact patch lines it answers.

Run: python3 reviews/make-demo.py   (rewrites the mbox next to this script)
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "demo-vm_uffd_ops.mbox")

AUTHOR = ("Alex Author", "alex@example.org")
LIST_TO = "linux-mm@example.org, linux-kernel@example.org"
CC = ("Robin Reviewer <robin@example.org>, Morgan Maintainer <morgan@example.org>, "
      "Dana Developer <dana@example.org>, Sam Scheduler <sam@example.org>")


class Hunk:
    """A hunk given by its start lines, a function-context heading and body lines."""

    def __init__(self, old_start, new_start, heading, lines):
        self.old_start, self.new_start, self.heading, self.lines = old_start, new_start, heading, lines

    def text(self):
        old = sum(1 for l in self.lines if l[0] in " -")
        new = sum(1 for l in self.lines if l[0] in " +")
        head = f"@@ -{self.old_start},{old} +{self.new_start},{new} @@"
        if self.heading:
            head += " " + self.heading
        return [head] + self.lines


class FilePatch:
    def __init__(self, path, index, hunks):
        self.path, self.index, self.hunks = path, index, hunks

    def text(self):
        out = [f"diff --git a/{self.path} b/{self.path}",
               f"index {self.index} 100644",
               f"--- a/{self.path}",
               f"+++ b/{self.path}"]
        for h in self.hunks:
            out += h.text()
        return out

    def stat(self):
        add = sum(1 for h in self.hunks for l in h.lines if l[0] == "+")
        rem = sum(1 for h in self.hunks for l in h.lines if l[0] == "-")
        return add, rem


def diffstat(files):
    width = max(len(f.path) for f in files)
    lines, ta, tr = [], 0, 0
    for f in files:
        a, r = f.stat()
        ta, tr = ta + a, tr + r
        lines.append(f" {f.path.ljust(width)} | {a + r:3d} {'+' * a}{'-' * r}")
    summary = f" {len(files)} file{'s' if len(files) > 1 else ''} changed"
    if ta:
        summary += f", {ta} insertion{'s' if ta != 1 else ''}(+)"
    if tr:
        summary += f", {tr} deletion{'s' if tr != 1 else ''}(-)"
    return lines + [summary]


def quote(lines):
    return [(">" if l == "" else "> " + l) for l in lines]


messages = []


def mail(msgid, subject, date, body, sender=AUTHOR, in_reply_to=None, references=(), to=LIST_TO, cc=CC):
    head = [f"From: {sender[0]} <{sender[1]}>",
            f"To: {to}",
            f"Cc: {cc}",
            f"Subject: {subject}",
            f"Date: {date}",
            f"Message-ID: <{msgid}>"]
    if in_reply_to:
        head.append(f"In-Reply-To: <{in_reply_to}>")
        head.append("References: " + " ".join(f"<{r}>" for r in references))
    head += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
             "Content-Transfer-Encoding: 8bit"]
    messages.append("\n".join(head) + "\n\n" + "\n".join(body).rstrip("\n") + "\n")


def patch_body(message, files, trailers):
    out = message + [""] + trailers + ["---"] + diffstat(files) + [""]
    for f in files:
        out += f.text()
    out += ["-- ", "2.51.0", ""]
    return out


# ---------------------------------------------------------------- v1 patches

MMH = FilePatch("include/linux/mm.h", "3c1d2e4f5a60..8e9f0a1b2c3d", [
    Hunk(598, 598, "struct vm_fault {", [
        " \tpte_t orig_pte;\t\t/* PTE value seen at fault time */",
        " };",
        " ",
        "+struct vm_uffd_ops;",
        "+",
        " /*",
        "  * What a mapping does when it is opened, closed, faulted or split.",
        "  */",
    ]),
    Hunk(671, 673, "struct vm_operations_struct {", [
        " \t */",
        " \tstruct page *(*find_special_page)(struct vm_area_struct *vma,",
        " \t\t\t\t\t  unsigned long addr);",
        "+#ifdef CONFIG_USERFAULTFD",
        "+\t/*",
        "+\t * How this memory type takes part in userfaultfd.  A module that",
        "+\t * wants its mappings registered with userfaultfd fills this in.",
        "+\t */",
        "+\tconst struct vm_uffd_ops *userfaultfd_ops;",
        "+#endif",
        " };",
    ]),
])

UFFDK_LINES = [
    " ",
    " extern vm_fault_t handle_userfault(struct vm_fault *vmf, unsigned long reason);",
    " ",
    "+typedef struct vm_uffd_ops vm_uffd_ops;",
    "+",
    "+struct vm_uffd_ops {",
    "+\t/* The registration modes this memory type supports. */",
    "+\tunsigned long uffd_features;",
    "+\t/*",
    "+\t * The ioctls supported, as BIT(_UFFDIO_*).  API, REGISTER,",
    "+\t * UNREGISTER and WAKE are always allowed and need not be listed.",
    "+\t */",
    "+\tunsigned long uffd_ioctls;",
    "+\t/*",
    "+\t * Look up the folio backing @pgoff of @inode for UFFDIO_CONTINUE.",
    "+\t * Returns 0 with the folio locked and referenced in @folio.",
    "+\t */",
    "+\tint (*uffd_get_folio)(struct inode *inode, pgoff_t pgoff,",
    "+\t\t\t      struct folio **folio);",
    "+\t/*",
    "+\t * Install one page for UFFDIO_COPY or UFFDIO_ZEROPAGE.  When the",
    "+\t * copy from user memory cannot be done atomically, return -ENOENT",
    "+\t * with the allocated folio in @foliop; the core then copies with",
    "+\t * the locks dropped and calls again with *foliop set.",
    "+\t */",
    "+\tint (*uffd_copy)(pmd_t *dst_pmd, struct vm_area_struct *dst_vma,",
    "+\t\t\t unsigned long dst_addr, unsigned long src_addr,",
    "+\t\t\t uffd_flags_t flags, struct folio **foliop);",
    "+};",
    "+",
    " /* A combined operation mode + behavior flags. */",
    " typedef unsigned int __bitwise uffd_flags_t;",
]
UFFDK = FilePatch("include/linux/userfaultfd_k.h", "0a1b2c3d4e5f..5f4e3d2c1b0a", [
    Hunk(78, 78, "", UFFDK_LINES),
])

P1_MSG = [
    "Memory types that live in modules cannot take part in userfaultfd today:",
    "the core knows anonymous memory, shmem and hugetlb by name and calls",
    "into each of them directly.  Let a memory type describe what it supports",
    "through a small ops table hung off its vm_operations_struct instead, so",
    "that a module can opt in without touching core mm, and core mm stops",
    "referring to code that may not be built in.",
    "",
    "The table says which modes and ioctls the type supports, how to find the",
    "folio behind a page-cache offset for UFFDIO_CONTINUE, and how to install",
    "a page for UFFDIO_COPY.  The copy hook keeps the signature the shmem code",
    "already has, so moving shmem over needs no functional change.",
    "",
    "This patch only adds the API; the next patches move the users over.",
]
P1_FILES = [MMH, UFFDK]

SHMEM = FilePatch("mm/shmem.c", "7a8b9c0d1e2f..2f1e0d9c8b7a", [
    Hunk(3178, 3178, "int shmem_mfill_atomic_pte(pmd_t *dst_pmd,", [
        " \tshmem_inode_unacct_blocks(inode, 1);",
        " \treturn ret;",
        " }",
        "+",
        "+static int shmem_uffd_get_folio(struct inode *inode, pgoff_t pgoff,",
        "+\t\t\t\tstruct folio **folio)",
        "+{",
        "+\treturn shmem_get_folio(inode, pgoff, 0, folio, SGP_NOALLOC);",
        "+}",
        "+",
        "+static const struct vm_uffd_ops shmem_uffd_ops = {",
        "+\t.uffd_features\t= __VM_UFFD_FLAGS,",
        "+\t.uffd_ioctls\t= BIT(_UFFDIO_COPY) | BIT(_UFFDIO_ZEROPAGE) |",
        "+\t\t\t  BIT(_UFFDIO_WRITEPROTECT) | BIT(_UFFDIO_CONTINUE) |",
        "+\t\t\t  BIT(_UFFDIO_POISON),",
        "+\t.uffd_get_folio\t= shmem_uffd_get_folio,",
        "+\t.uffd_copy\t= shmem_mfill_atomic_pte,",
        "+};",
        " #endif /* CONFIG_USERFAULTFD */",
    ]),
    Hunk(5301, 5316, "static const struct vm_operations_struct shmem_vm_ops = {", [
        " \t.set_policy     = shmem_set_policy,",
        " \t.get_policy     = shmem_get_policy,",
        " #endif",
        "+#ifdef CONFIG_USERFAULTFD",
        "+\t.userfaultfd_ops = &shmem_uffd_ops,",
        "+#endif",
        " };",
    ]),
])
P2_MSG = [
    "Describe shmem's userfaultfd support with the new vm_uffd_ops table:",
    "every mode, and COPY, ZEROPAGE, WRITEPROTECT, CONTINUE and POISON.",
    "CONTINUE looks the folio up without allocating; COPY keeps using",
    "shmem_mfill_atomic_pte() as it is.",
]

CORE = FilePatch("mm/userfaultfd.c", "4d5e6f7a8b9c..9c8b7a6f5e4d", [
    Hunk(24, 24, "", [
        " #include \"internal.h\"",
        " #include \"swap.h\"",
        " ",
        "+static const struct vm_uffd_ops *vma_get_uffd_ops(struct vm_area_struct *vma)",
        "+{",
        "+\tif (vma->vm_ops)",
        "+\t\treturn vma->vm_ops->userfaultfd_ops;",
        "+\treturn NULL;",
        "+}",
        "+",
        "+/* Whether @vma's memory type supports the fill operation @flags asks for. */",
        "+static bool vma_uffd_ops_supported(struct vm_area_struct *vma, uffd_flags_t flags)",
        "+{",
        "+\tenum mfill_atomic_mode mode = uffd_flags_get_mode(flags);",
        "+\tconst struct vm_uffd_ops *ops;",
        "+",
        "+\tif (vma_is_anonymous(vma))",
        "+\t\treturn mode != MFILL_ATOMIC_CONTINUE;",
        "+",
        "+\t/* CONTINUE maps a page-cache page; only shared mappings may do that. */",
        "+\tif (mode == MFILL_ATOMIC_CONTINUE && !(vma->vm_flags & VM_SHARED))",
        "+\t\treturn false;",
        "+",
        "+\tops = vma_get_uffd_ops(vma);",
        "+\treturn ops && (ops->uffd_ioctls & BIT(mfill_mode_to_ioctl(mode)));",
        "+}",
        "+",
        " static __always_inline",
        " bool validate_dst_vma(struct vm_area_struct *dst_vma, unsigned long dst_end)",
        " {",
    ]),
    Hunk(389, 411, "static int mfill_atomic_pte_continue(pmd_t *dst_pmd,", [
        " \tstruct folio *folio;",
        " \tint ret;",
        " ",
        "-\tret = shmem_get_folio(inode, pgoff, 0, &folio, SGP_NOALLOC);",
        "+\tret = vma_get_uffd_ops(dst_vma)->uffd_get_folio(inode, pgoff, &folio);",
        " \t/* Our caller expects us to return -EFAULT if we failed to find folio */",
        " \tif (ret == -ENOENT)",
        " \t\tret = -EFAULT;",
    ]),
    Hunk(672, 694, "static __always_inline ssize_t mfill_atomic_pte(pmd_t *dst_pmd,", [
        " \t\telse",
        " \t\t\terr = mfill_atomic_pte_zeropage(dst_pmd,",
        " \t\t\t\t\t\t dst_vma, dst_addr);",
        " \t} else {",
        "-\t\terr = shmem_mfill_atomic_pte(dst_pmd, dst_vma,",
        "-\t\t\t\t\t     dst_addr, src_addr,",
        "-\t\t\t\t\t     flags, foliop);",
        "+\t\terr = vma_get_uffd_ops(dst_vma)->uffd_copy(dst_pmd, dst_vma,",
        "+\t\t\t\t\t\t\t  dst_addr, src_addr,",
        "+\t\t\t\t\t\t\t  flags, foliop);",
        " \t}",
        " ",
        " \treturn err;",
    ]),
    Hunk(760, 782, "static __always_inline ssize_t mfill_atomic(struct userfaultfd_ctx *ctx,", [
        " \t    uffd_flags_mode_is(flags, MFILL_ATOMIC_CONTINUE))",
        " \t\tgoto out_unlock;",
        " ",
        "-\tif (!vma_is_shmem(dst_vma) &&",
        "-\t    uffd_flags_mode_is(flags, MFILL_ATOMIC_CONTINUE))",
        "+\tif (!vma_uffd_ops_supported(dst_vma, flags))",
        " \t\tgoto out_unlock;",
        " ",
        " \twhile (src_addr < src_start + len) {",
    ]),
])
P3_MSG = [
    "Look the memory type's vm_uffd_ops up instead of calling shmem by name:",
    "UFFDIO_CONTINUE asks the type for the folio, UFFDIO_COPY and ZEROPAGE on",
    "shared mappings go through its uffd_copy hook, and a fill ioctl the type",
    "did not list in uffd_ioctls now fails with -EINVAL before any work.",
    "",
    "This is slightly stricter than before in one place: CONTINUE is refused",
    "on private file mappings, where it used to be allowed for shmem.",
]

# ---------------------------------------------------------------- v2 patches

UFFDK_V2_LINES = [
    " ",
    " extern vm_fault_t handle_userfault(struct vm_fault *vmf, unsigned long reason);",
    " ",
    "+struct vm_uffd_ops {",
    "+\t/*",
    "+\t * The fill ioctls supported, as BIT(_UFFDIO_*).  The registration",
    "+\t * modes follow from them: COPY or ZEROPAGE gives MISSING, CONTINUE",
    "+\t * gives MINOR and WRITEPROTECT gives WP.",
    "+\t */",
    "+\tunsigned long supported_ioctls;",
    "+\t/*",
    "+\t * Find the folio at @pgoff of @inode for UFFDIO_CONTINUE without",
    "+\t * allocating.  Called with the VMA (or mmap) lock held for read,",
    "+\t * never with the page table lock.  Returns 0 with the folio locked",
    "+\t * and referenced.  Must be set if _UFFDIO_CONTINUE is supported.",
    "+\t */",
    "+\tint (*minor_get_folio)(struct inode *inode, pgoff_t pgoff,",
    "+\t\t\t       struct folio **folio);",
    "+};",
    "+",
    " /* A combined operation mode + behavior flags. */",
    " typedef unsigned int __bitwise uffd_flags_t;",
]
UFFDK_V2 = FilePatch("include/linux/userfaultfd_k.h", "0a1b2c3d4e5f..6a7b8c9d0e1f", [
    Hunk(78, 78, "", UFFDK_V2_LINES),
])
P1V2_MSG = [
    "Memory types built as modules cannot take part in userfaultfd today:",
    "core mm knows anonymous memory, shmem and hugetlb by name.  Add a small",
    "ops table that a memory type hangs off its vm_operations_struct to say",
    "which userfaultfd ioctls it supports and how to look up the folio that",
    "UFFDIO_CONTINUE maps.",
    "",
    "UFFDIO_COPY and UFFDIO_ZEROPAGE stay implemented in core mm for now: a",
    "hook for them would have to hand page-table state to modules.",
]


SHMEM_V2 = FilePatch("mm/shmem.c", "7a8b9c0d1e2f..3a4b5c6d7e8f", [
    Hunk(3178, 3178, "int shmem_mfill_atomic_pte(pmd_t *dst_pmd,", [
        " \tshmem_inode_unacct_blocks(inode, 1);",
        " \treturn ret;",
        " }",
        "+",
        "+static int shmem_minor_get_folio(struct inode *inode, pgoff_t pgoff,",
        "+\t\t\t\t struct folio **folio)",
        "+{",
        "+\treturn shmem_get_folio(inode, pgoff, 0, folio, SGP_NOALLOC);",
        "+}",
        "+",
        "+static const struct vm_uffd_ops shmem_uffd_ops = {",
        "+\t/* WRITEPROTECT relies on uffd-wp PTE markers being available. */",
        "+\t.supported_ioctls = BIT(_UFFDIO_COPY) | BIT(_UFFDIO_ZEROPAGE) |",
        "+\t\t\t    BIT(_UFFDIO_WRITEPROTECT) | BIT(_UFFDIO_CONTINUE) |",
        "+\t\t\t    BIT(_UFFDIO_POISON),",
        "+\t.minor_get_folio = shmem_minor_get_folio,",
        "+};",
        " #endif /* CONFIG_USERFAULTFD */",
    ]),
    Hunk(5301, 5315, "static const struct vm_operations_struct shmem_vm_ops = {", [
        " \t.set_policy     = shmem_set_policy,",
        " \t.get_policy     = shmem_get_policy,",
        " #endif",
        "+#ifdef CONFIG_USERFAULTFD",
        "+\t.userfaultfd_ops = &shmem_uffd_ops,",
        "+#endif",
        " };",
    ]),
])
P2V2_MSG = [
    "Describe shmem's userfaultfd support with the vm_uffd_ops table: COPY,",
    "ZEROPAGE, WRITEPROTECT, CONTINUE and POISON.  CONTINUE looks the folio",
    "up without allocating.",
]
CORE_V2 = FilePatch("mm/userfaultfd.c", "4d5e6f7a8b9c..1e2d3c4b5a69", [
    # v2 only renames the mask the support check reads.
    Hunk(24, 24, "", [l.replace("uffd_ioctls", "supported_ioctls") for l in CORE.hunks[0].lines]),
    Hunk(389, 411, "static int mfill_atomic_pte_continue(pmd_t *dst_pmd,", [
        " \tstruct folio *folio;",
        " \tint ret;",
        " ",
        "-\tret = shmem_get_folio(inode, pgoff, 0, &folio, SGP_NOALLOC);",
        "+\tret = vma_get_uffd_ops(dst_vma)->minor_get_folio(inode, pgoff, &folio);",
        " \t/* Our caller expects us to return -EFAULT if we failed to find folio */",
        " \tif (ret == -ENOENT)",
        " \t\tret = -EFAULT;",
    ]),
    CORE.hunks[3],
])
P3V2_MSG = [
    "Look the memory type's vm_uffd_ops up instead of calling shmem by name",
    "for UFFDIO_CONTINUE, and refuse a fill ioctl the type does not list in",
    "supported_ioctls with -EINVAL before doing any work.  COPY and ZEROPAGE",
    "keep their shmem call in core mm.",
]

# ---------------------------------------------------------------- thread

V1 = "20250801120000.1000-{}-alex@example.org"
V2 = "20250815093000.2000-{}-alex@example.org"
c1, p1, p2, p3 = (V1.format(i) for i in (1, 2, 3, 4))
d1, q1, q2, q3 = (V2.format(i) for i in (1, 2, 3, 4))

mail(c1, "[PATCH 0/3] mm/userfaultfd: let memory types describe their uffd support",
     "Fri, 1 Aug 2025 12:00:00 +0000", [
         "Userfaultfd has three memory types built into core mm: anonymous",
         "memory, shmem and hugetlb.  guest_memfd-like memory that lives in a",
         "module would like minor-fault support too, and today the only way to",
         "get it is to teach core mm about the module.",
         "",
         "This series adds struct vm_uffd_ops: a table a memory type provides",
         "through its vm_operations_struct, saying which modes and ioctls it",
         "supports and supplying the two operations the fill ioctls need.  shmem",
         "is converted; hugetlb keeps its own path for now.",
         "",
         "Patch 1 adds the API, patch 2 converts shmem, patch 3 makes core mm",
         "use the table instead of calling shmem by name.",
         "",
         "Alex Author (3):",
         "  mm: introduce vm_uffd_ops API",
         "  mm/shmem: support vm_uffd_ops API",
         "  mm/userfaultfd: use vm_uffd_ops in core mm",
         "",
     ] + diffstat([MMH, UFFDK, SHMEM, CORE]) + ["", "-- ", "2.51.0"])

mail(p1, "[PATCH 1/3] mm: introduce vm_uffd_ops API", "Fri, 1 Aug 2025 12:00:01 +0000",
     patch_body(P1_MSG, P1_FILES, ["Signed-off-by: Alex Author <alex@example.org>"]),
     in_reply_to=c1, references=[c1])
mail(p2, "[PATCH 2/3] mm/shmem: support vm_uffd_ops API", "Fri, 1 Aug 2025 12:00:02 +0000",
     patch_body(P2_MSG, [SHMEM], ["Signed-off-by: Alex Author <alex@example.org>"]),
     in_reply_to=c1, references=[c1])
mail(p3, "[PATCH 3/3] mm/userfaultfd: use vm_uffd_ops in core mm", "Fri, 1 Aug 2025 12:00:03 +0000",
     patch_body(P3_MSG, [CORE], ["Signed-off-by: Alex Author <alex@example.org>"]),
     in_reply_to=c1, references=[c1])

ROBIN = ("Robin Reviewer", "robin@example.org")
MORGAN = ("Morgan Maintainer", "morgan@example.org")
DANA = ("Dana Developer", "dana@example.org")
SAM = ("Sam Scheduler", "sam@example.org")

# Robin on 1/3: where the ops live, capability declaration, naming, uffd_copy, ctx, locks.
mm_h2 = MMH.hunks[1].text()
uk = UFFDK.hunks[0].text()
mail("r1-robin-1@example.org", "Re: [PATCH 1/3] mm: introduce vm_uffd_ops API",
     "Mon, 4 Aug 2025 09:12:40 +0100",
     ["On Fri, Aug 01, 2025 at 12:00:01PM +0000, Alex Author wrote:"]
     + quote(P1_MSG[:6])
     + ["",
        "The motivation is fine, but please spell out what a module author has",
        "to know about the state of the VMA and its locks when these hooks run.",
        ""]
     + quote(["diff --git a/include/linux/mm.h b/include/linux/mm.h"] + mm_h2[:10])
     + ["",
        "A pointer to another ops table inside vm_operations_struct breaks the",
        "rule that _ops structures hold handlers.  I would much rather see a",
        "callback here, the way get_policy works:",
        "",
        "\tconst struct vm_uffd_ops *(*get_uffd_ops)(struct vm_area_struct *vma);",
        "",
        "which also lets a driver answer differently per VMA.",
        "",
        "And is the VMA even the right level?  uffd_get_folio below takes an",
        "inode and an offset and never looks at the VMA, which smells like this",
        "belongs with the file or the address_space instead.",
        ""]
     + quote(mm_h2[10:])
     + quote(["diff --git a/include/linux/userfaultfd_k.h b/include/linux/userfaultfd_k.h"] + uk[:14])
     + ["",
        "Two masks that must agree with each other and with the handlers is",
        "asking for drift.  Why not derive the supported ioctls from which",
        "handlers are non-NULL?  A type that provides uffd_get_folio supports",
        "CONTINUE; one that does not, does not.",
        ""]
     + ["[...]", ""]
     + quote(uk[18:20])
     + ["",
        "Naming: everything in a struct called vm_uffd_ops is about uffd, so",
        "the uffd_ prefix is noise.  And this one only serves CONTINUE, so call",
        "it after that, handle_continue() or similar.",
        ""]
     + quote(uk[20:29])
     + ["",
        "This is the part I cannot accept.  uffd_copy hands a module the pmd,",
        "the VMA and a folio pointer and lets it install page-table entries.",
        "Exposing mm internals to drivers like this is a no-go: the page-table",
        "code has to stay sealed inside mm.  Give modules a narrow hook that",
        "only allocates or provides the folio and let mm install it.",
        "",
        "If the hook stays, should it not at least get the userfaultfd ctx?",
        "Without it a module cannot tell which context it is filling for.",
        "",
        "It also needs to document the lock state: the VMA lock or mmap_lock",
        "is held for read, the page table lock is not, and a module must not",
        "fault on user memory here or it can deadlock against a writer waiting",
        "for mmap_lock.  That -ENOENT/foliop retry protocol is subtle enough",
        "that I do not want every driver reimplementing it.",
        "",
        "[...]",
        "",
        "-- ",
        "Robin"],
     sender=ROBIN, in_reply_to=p1, references=[c1, p1])

# Dana on 1/3: the typedef and the commit message.
mail("r2-dana-1@example.org", "Re: [PATCH 1/3] mm: introduce vm_uffd_ops API",
     "Sun, 3 Aug 2025 18:40:02 +0300",
     ["On Fri, Aug 01, 2025 at 12:00:01PM +0000, Alex Author wrote:"]
     + quote(uk[:6])
     + ["",
        "Please drop the typedef; the kernel does not typedef structs, and",
        "checkpatch will complain about it anyway.",
        ""]
     + quote(uk[6:9])
     + ["[...]", "",
        "With the typedef gone and the changelog in the imperative mood:",
        "",
        "Reviewed-by: Dana Developer <dana@example.org>",
        "",
        "-- ",
        "Sincerely yours,",
        "Dana."],
     sender=DANA, in_reply_to=p1, references=[c1, p1])

# Alex answers Robin, nested quotes.
mail("r3-alex-1@example.org", "Re: [PATCH 1/3] mm: introduce vm_uffd_ops API",
     "Tue, 5 Aug 2025 15:02:11 +0000",
     ["On Mon, Aug 04, 2025 at 09:12:40AM +0100, Robin Reviewer wrote:",
      "> A pointer to another ops table inside vm_operations_struct breaks the",
      "> rule that _ops structures hold handlers.  I would much rather see a",
      "> callback here, the way get_policy works:",
      "",
      "A nested pointer is cheaper to look up on the fault path and cannot",
      "change under us, but I can live with get_uffd_ops() if others prefer it.",
      "",
      "> This is the part I cannot accept.  uffd_copy hands a module the pmd,",
      "> the VMA and a folio pointer and lets it install page-table entries.",
      "",
      "If uffd_copy is the concern, I will drop it and keep COPY and ZEROPAGE",
      "in core mm until we agree on a better hook.",
      "",
      "Alex"],
     in_reply_to="r1-robin-1@example.org", references=[c1, p1, "r1-robin-1@example.org"])

# Sam on 3/3: CONTINUE on private mappings, the retry protocol, mmap_lock in hooks.
core = CORE.hunks
h0 = core[0].text()
mail("r4-sam-3@example.org", "Re: [PATCH 3/3] mm/userfaultfd: use vm_uffd_ops in core mm",
     "Wed, 6 Aug 2025 11:30:00 -0700",
     ["On Fri, 1 Aug 2025 12:00:03 +0000 Alex Author <alex@example.org> wrote:", ""]
     + quote(["diff --git a/mm/userfaultfd.c b/mm/userfaultfd.c"] + h0[:1] + h0[17:23])
     + ["",
        "This changes user-visible behaviour.  Today UFFDIO_CONTINUE works on a",
        "MAP_PRIVATE shmem mapping: the page-cache folio is mapped read-only",
        "into the private VMA.  With VM_SHARED required here that starts to fail",
        "with -EINVAL.  Is there a reason to refuse it, or can CONTINUE stay",
        "allowed on private mappings?",
        ""]
     + quote(h0[24:26])
     + ["<snip>", ""]
     + quote(core[2].text()[:1] + core[2].text()[4:11])
     + ["",
        "So a module's uffd_copy now owns the unlocked retry: it has to fail",
        "the atomic copy, return -ENOENT with the folio in *foliop and trust the",
        "core to call it back.  A module that returns -ENOENT for any other",
        "reason, or leaks the folio when the retry is abandoned, breaks this.",
        "It would be more robust to have the core take a snapshot of the VMA,",
        "drop the locks, copy, and revalidate the snapshot itself.",
        "",
        "And nothing stops a module from taking mmap_lock inside the hook,",
        "where it is already held for read; lockdep will not love that.",
        "",
        "Sam"],
     sender=SAM, in_reply_to=p3, references=[c1, p3])

# Morgan on the cover letter: top-posted, then a trailer for the shmem part.
mail("r5-morgan-0@example.org", "Re: [PATCH 0/3] mm/userfaultfd: let memory types describe their uffd support",
     "Thu, 7 Aug 2025 17:15:14 -0700",
     ["This is fairly fundamental stuff and the review is still going, so I",
      "am taking it out of mm-new until the API settles.",
      "",
      "On Fri, 1 Aug 2025 12:00:00 +0000 Alex Author <alex@example.org> wrote:",
      "",
      "> Userfaultfd has three memory types built into core mm: anonymous",
      "> memory, shmem and hugetlb.  guest_memfd-like memory that lives in a",
      "> module would like minor-fault support too, and today the only way to",
      "> get it is to teach core mm about the module."],
     sender=MORGAN, in_reply_to=c1, references=[c1])

# Dana on 2/3: acks the shmem conversion.
sh = SHMEM.hunks[0].text()
mail("r6-dana-2@example.org", "Re: [PATCH 2/3] mm/shmem: support vm_uffd_ops API",
     "Fri, 8 Aug 2025 08:05:00 +0300",
     ["On Fri, Aug 01, 2025 at 12:00:02PM +0000, Alex Author wrote:",
      "> Describe shmem's userfaultfd support with the new vm_uffd_ops table:",
      "> every mode, and COPY, ZEROPAGE, WRITEPROTECT, CONTINUE and POISON.",
      "",
      "[...]",
      ""]
     + quote(["diff --git a/mm/shmem.c b/mm/shmem.c"] + sh[:1] + sh[4:9])
     + ["",
        "SGP_NOALLOC is right: CONTINUE must never allocate a folio, only find",
        "one that userspace already put in the page cache.",
        ""]
     + quote(sh[11:13])
     + ["",
        "__VM_UFFD_FLAGS includes WP; that is only true when the architecture",
        "has uffd-wp PTE markers.  Worth a comment.",
        "",
        "Acked-by: Dana Developer <dana@example.org>"],
     sender=DANA, in_reply_to=p2, references=[c1, p2])

# ---------------------------------------------------------------- v2 series

mail(d1, "[PATCH v2 0/3] mm/userfaultfd: let memory types describe their uffd support",
     "Fri, 15 Aug 2025 09:30:00 +0000", [
         "Userfaultfd has three memory types built into core mm.  This series",
         "lets a memory type describe its support with struct vm_uffd_ops so",
         "that module memory such as guest_memfd can offer minor faults.",
         "",
         "Changes since v1:",
         "- Dropped uffd_copy(): COPY and ZEROPAGE stay in core mm (Robin).",
         "- Dropped uffd_features; modes are derived from supported_ioctls.",
         "- Renamed uffd_get_folio to minor_get_folio and documented the lock",
         "  state it is called with (Robin).",
         "- Dropped the typedef (Dana).",
         "- CONTINUE on private mappings is still refused; see the discussion",
         "  on v1 3/3.",
         "",
         "v1: https://lore.example.org/" + c1 + "/",
         "",
         "Alex Author (3):",
         "  mm: introduce vm_uffd_ops API",
         "  mm/shmem: support vm_uffd_ops API",
         "  mm/userfaultfd: use vm_uffd_ops in core mm",
         "",
         "-- ",
         "2.51.0"])
mail(q1, "[PATCH v2 1/3] mm: introduce vm_uffd_ops API", "Fri, 15 Aug 2025 09:30:01 +0000",
     patch_body(P1V2_MSG, [MMH, UFFDK_V2], ["Reviewed-by: Dana Developer <dana@example.org>",
                                            "Signed-off-by: Alex Author <alex@example.org>"]),
     in_reply_to=d1, references=[d1])

mail(q2, "[PATCH v2 2/3] mm/shmem: support vm_uffd_ops API", "Fri, 15 Aug 2025 09:30:02 +0000",
     patch_body(P2V2_MSG, [SHMEM_V2], ["Acked-by: Dana Developer <dana@example.org>",
                                       "Signed-off-by: Alex Author <alex@example.org>"]),
     in_reply_to=d1, references=[d1])
mail(q3, "[PATCH v2 3/3] mm/userfaultfd: use vm_uffd_ops in core mm", "Fri, 15 Aug 2025 09:30:03 +0000",
     patch_body(P3V2_MSG, [CORE_V2], ["Signed-off-by: Alex Author <alex@example.org>"]),
     in_reply_to=d1, references=[d1])

uk2 = UFFDK_V2.hunks[0].text()
mail("r7-robin-v2-1@example.org", "Re: [PATCH v2 1/3] mm: introduce vm_uffd_ops API",
     "Mon, 18 Aug 2025 10:00:00 +0100",
     ["On Fri, Aug 15, 2025 at 09:30:01AM +0000, Alex Author wrote:",
      "[...]",
      ""]
     + quote(["diff --git a/include/linux/userfaultfd_k.h b/include/linux/userfaultfd_k.h"] + uk2[:11])
     + ["",
        "Better.  I still think the mask should be implied by the handlers, but",
        "one mask is a lot easier to keep honest than two.",
        ""]
     + quote(uk2[11:19])
     + ["",
        "Thanks for writing down the lock state.  The ops still hang off",
        "vm_operations_struct as a nested pointer, which I do not love, but",
        "that can be changed later without touching the drivers much.",
        "",
        "Acked-by: Robin Reviewer <robin@example.org>"],
     sender=ROBIN, in_reply_to=q1, references=[d1, q1])

with open(OUT, "w", encoding="utf-8") as f:
    for m in messages:
        f.write("From mboxrd@z Thu Jan  1 00:00:00 1970\n")
        for line in m.split("\n")[:-1]:
            if line.lstrip(">").startswith("From "):
                line = ">" + line
            f.write(line + "\n")
        f.write("\n")
print(f"wrote {OUT}: {len(messages)} messages")
