/// The catalog: every knob, scenario and driver the model knows.
import Foundation

/// Message-IDs of the thread messages the knobs cite (facts §1.1, §1.3, §1.5).
enum Thread {
    static let lorenzoOps = "aaaca9d4-b8df-45b8-a3a4-a431c99f26c7@lucifer.local"
    static let lorenzoInternals = "5ffc374f-da86-463d-be51-983758fecb62@lucifer.local"
    static let lorenzoSealed = "54bb09fc-144b-4d61-8bc2-1eca4d278382@lucifer.local"
    static let mikeTypedef = "aGD-QxroTEDUh1eX@kernel.org"
    static let peterDropCopy = "aMxNgyVRuiFq2Sms@x1.local"
    static let peterV2Cover = "20250627154655.2085903-1-peterx@redhat.com"
    static let peterV2Core = "20250627154655.2085903-5-peterx@redhat.com"
    static let peterV4Cover = "20251014231501.2301398-1-peterx@redhat.com"
    static let peterV4Api = "20251014231501.2301398-2-peterx@redhat.com"
    static let davidV4 = "78424672-065c-47fc-ba76-c5a866dcdc98@redhat.com"
    static let mikeV2Cover = "20260306171815.3160826-1-rppt@kernel.org"
    static let mikeV2Ops = "20260306171815.3160826-8-rppt@kernel.org"
    static let mikeV2NoRetry = "20260306171815.3160826-12-rppt@kernel.org"
}

/// Everything the model offers, as data.
public enum Catalog {
    /// Every knob of design §4, in display order.
    public static let knobs: [Knob] = [
        Knob(id: "ops_lookup", title: "where core mm finds the uffd ops",
             values: ["hardcoded", "vm_ops_pointer", "get_uffd_ops", "file_level"],
             explanation: "hardcoded: mainline's if/else on anon/shmem/hugetlb, modules cannot register. "
                + "vm_ops_pointer: vma->vm_ops->userfaultfd_ops (v2..v4, Mike: uffd_ops). get_uffd_ops: "
                + "Lorenzo's vm_ops->get_uffd_ops(vma) handler, so a module may answer per VMA (its private "
                + "mappings get no ops). file_level: ops hang off the file, so anonymous memory keeps its core path "
                + "and every mapping of one file answers the same. Changes the lookup trace step and which "
                + "VMAs of a module can register.",
             messageIds: [Thread.lorenzoOps], cosmetic: false),
        Knob(id: "capabilities", title: "how a memory type declares what it supports",
             values: ["features_and_ioctls", "ioctls", "handlers"],
             explanation: "features_and_ioctls: uffd_features (modes) + uffd_ioctls (v2). ioctls: supported_ioctls "
                + "only, modes derived from COPY/ZEROPAGE→MISSING, CONTINUE→MINOR, WRITEPROTECT→WP (v4, David on v3). "
                + "handlers: no bitmask, support is implied by non-NULL handlers (Lorenzo A3; David on v4 favours per-ioctl default handlers; Mike). Changes "
                + "REGISTER outcomes, the ioctls mask and whether a module can advertise an ioctl it cannot serve.",
             messageIds: [Thread.lorenzoOps, Thread.peterV4Cover, Thread.davidV4], cosmetic: false),
        Knob(id: "copy_delegation", title: "how COPY/ZEROPAGE reach the memory type",
             values: ["core", "uffd_copy", "alloc_hooks"],
             explanation: "core: hard-coded in mm/ (v3/v4), modules cannot do MISSING. uffd_copy: the low-level "
                + "uffd_copy(pmd, vma, addr, src, flags, foliop) hook (v2) that exposes page tables to modules. "
                + "alloc_hooks: alloc_folio + filemap_add/filemap_remove (Mike), no pmd. Changes module MISSING "
                + "support, S18's errno (-EFAULT vs -ENOMEM) and which buggy modules can exist.",
             messageIds: [Thread.lorenzoInternals, Thread.lorenzoSealed, Thread.peterDropCopy, Thread.mikeV2Cover],
             cosmetic: false),
        Knob(id: "handler_ctx", title: "copy handler receives the uffd context",
             values: ["no", "yes"],
             explanation: "Lorenzo asked whether uffd_copy should get a uffd_ctx parameter (A6). With yes the "
                + "handler is passed ctx and re-checks ctx->mmap_changing itself after taking its locks; the "
                + "trace of COPY through a hook shows the extra check.",
             messageIds: [Thread.lorenzoOps], cosmetic: false),
        Knob(id: "retry", title: "who owns the unlocked copy retry",
             values: ["enoent_foliop", "snapshot"],
             explanation: "enoent_foliop: the handler fails the atomic copy, returns -ENOENT with *foliop, core "
                + "unlocks, copies, relocks and re-validates only that a registered VMA exists (mainline, v2). "
                + "snapshot: core snapshots VMA flags and file, drops locks, copies, re-takes and returns -EINVAL "
                + "if the snapshot changed (Mike, 'mfill_atomic(): remove retry logic'). Changes S3 trace and S5 outcome.",
             messageIds: [Thread.peterDropCopy, Thread.mikeV2NoRetry], cosmetic: false),
        Knob(id: "continue_private", title: "UFFDIO_CONTINUE on MAP_PRIVATE file mappings",
             values: ["allowed", "shared_only"],
             explanation: "allowed: mainline (\"all shmem VMAs (shared or private)\", measured on 6.18). "
                + "shared_only: Peter's vma_uffd_ops_supported() rejects CONTINUE without VM_SHARED (facts §2.6). "
                + "Changes S12.",
             messageIds: [Thread.peterV2Core, Thread.peterV2Cover], cosmetic: false),
        Knob(id: "fault_hook", title: "how a module's ->fault() reaches handle_userfault",
             values: ["handle_userfault", "do_userfault"],
             explanation: "handle_userfault: the module's ->fault() calls handle_userfault() itself (Nikita's "
                + "April 2025 approach; needs the symbol exported and lets a module sleep with its own locks held). "
                + "do_userfault: ->fault() returns and core calls __do_userfault() from __do_fault() (Mike v2 with "
                + "Peter's patch). Changes the S6 fault trace and the buggy-fault-lock module.",
             messageIds: [Thread.peterDropCopy, Thread.mikeV2Cover], cosmetic: false),
        Knob(id: "naming", title: "names of the struct members",
             values: ["as_posted", "prefix_stripped", "handle_continue", "minor_get_folio", "get_folio_noalloc"],
             explanation: "as_posted: the names of the preset's version. prefix_stripped: drop uffd_ inside a uffd "
                + "struct (Lorenzo A4). handle_continue / minor_get_folio (David, v4) / get_folio_noalloc (Mike): "
                + "name of the CONTINUE handler. Header text and trace names only.",
             messageIds: [Thread.lorenzoOps, Thread.peterV4Api, Thread.mikeV2Ops], cosmetic: true),
        Knob(id: "typedef", title: "typedef struct vm_uffd_ops vm_uffd_ops",
             values: ["no", "yes"],
             explanation: "Mike asked to drop the typedef (A8); gone in v3/v4. Header text only.",
             messageIds: [Thread.mikeTypedef], cosmetic: true),
        Knob(id: "lock_doc", title: "kernel-doc states the lock context of each handler",
             values: ["no", "yes"],
             explanation: "Lorenzo asked for the VMA lock state in the kernel-doc (A7); Mike documents that the "
                + "returned folio is locked and referenced. Header text only.",
             messageIds: [Thread.lorenzoOps, Thread.mikeV2Ops], cosmetic: true),
    ]

    /// Looks up a knob by id.
    public static func knob(_ id: String) -> Knob? { knobs.first { $0.id == id } }

    /// Every built-in scenario: S1–S22 of facts §4 plus the concurrent ones.
    public static let scenarios: [Scenario] = Scenarios.all

    /// Every memory-type driver, correct and buggy.
    public static let drivers: [Driver] = Driver.all

    /// Looks up a scenario by id (case-insensitive).
    public static func scenario(_ id: String) -> Scenario? {
        scenarios.first { $0.id.lowercased() == id.lowercased() }
    }
}
