/// The built-in scenarios: facts §4 S1–S22, the buggy example modules (B1–B5) and the concurrent
/// scenarios of design §4 "Interleavings" (C1–C5). Each script carries its expected outcome per
/// preset in `expect … on=PRESETS` lines.
import Foundation

enum Scenarios {
    static let all: [Scenario] = facts + buggy + knobs + concurrent

    /// facts §4 S1–S22.
    static let facts: [Scenario] = [
        Scenario(id: "S1", title: "anon private, MISSING: fault, then COPY wakes it", source: "facts §4 S1", script: """
        mmap buf anon pages=1 private
        api
        register buf mode=missing
        expect errno=ok ioctls=0x13c
        thread A
        fault buf offset=0 read
        expect waited=1
        thread B
        copy buf pages=1
        expect errno=ok copy=4096 warning=none
        expect explore=safe
        """),
        Scenario(id: "S2", title: "anon private, REGISTER MINOR", source: "facts §4 S2", script: """
        mmap buf anon pages=1 private
        api
        register buf mode=minor
        expect errno=EINVAL
        """),
        Scenario(id: "S3", title: "shmem shared, COPY from a non-resident source page (unlocked retry)", source: "facts §4 S3, §3.2", script: """
        mmap shm shmem pages=1 shared
        api
        register shm mode=missing
        expect errno=ok ioctls=0x13c
        copy shm pages=1 src=nonresident
        expect errno=ok copy=4096 warning=none
        """),
        Scenario(id: "S4", title: "COPY retry while the dst VMA is mremap()ed (EVENT_REMAP)", source: "facts §4 S4", script: """
        mmap shm shmem pages=2 shared
        api features=EVENT_REMAP
        register shm mode=missing
        thread A
        copy shm pages=2 src=nonresident
        thread B
        mremap shm
        thread A
        expect errno=EAGAIN copy=4096
        thread B
        readevent
        expect event=0x14
        expect explore=safe
        """),
        Scenario(id: "S5", title: "COPY retry while the VMA is replaced by a different file", source: "facts §4 S5", script: """
        mmap shm shmem pages=1 shared
        api
        register shm mode=missing
        thread A
        copy shm pages=1 src=nonresident
        thread B
        mmap other shmem pages=1 shared fixed=shm
        register other mode=missing
        thread A
        expect errno=ok copy=4096 warning=assertion on=D0,P2,P4,L1
        expect errno=EINVAL copy=-22 on=M
        expect explore=assertion on=D0,P2,P4,L1
        expect explore=safe on=M
        """),
        Scenario(id: "S6", title: "guest_memfd-like module, MINOR: fault, then CONTINUE", source: "facts §4 S6", script: """
        driver gmem
        mmap g gmem pages=1 shared populate
        madvise g dontneed
        api
        register g mode=minor
        expect errno=EINVAL on=D0
        expect errno=ok ioctls=0x1bc on=P2,P4,L1,M
        fault g offset=0 read
        expect waited=1 on=P2,P4,L1,M
        expect waited=0 on=D0
        continue g pages=1
        expect errno=ok mapped=4096 on=P2,P4,L1,M
        expect errno=ENOENT on=D0
        """),
        Scenario(id: "S7", title: "guest_memfd-like module, REGISTER MISSING", source: "facts §4 S7", script: """
        driver gmem
        mmap g gmem pages=1 shared
        api
        register g mode=missing
        expect errno=EINVAL on=D0,P2,P4,L1
        expect errno=ok ioctls=0x13c on=M
        copy g pages=1
        expect errno=ok copy=4096 on=M
        expect errno=ENOENT on=D0,P2,P4,L1
        """),
        Scenario(id: "S8", title: "module whose uffd_copy takes mmap_read_lock, against munmap", source: "facts §4 S8", script: """
        driver buggy-mmap-lock
        mmap m module pages=2 shared
        api
        register m mode=missing
        expect errno=ok on=P2,L1,M
        expect errno=EINVAL on=D0,P4
        thread A
        copy m pages=1
        expect errno=ok copy=4096 warning=circular-dependency on=P2,L1
        expect errno=ok copy=4096 warning=none on=M
        expect errno=ENOENT on=D0,P4
        thread B
        munmap m offset=1 pages=1
        expect explore=deadlock on=P2,L1
        expect explore=safe on=D0,P4,M
        """),
        Scenario(id: "S9", title: "module whose uffd_copy sleeps under the PTL", source: "facts §4 S9", script: """
        driver buggy-sleep-ptl
        mmap m module pages=1 shared
        api
        register m mode=missing
        copy m pages=1
        expect errno=ok copy=4096 warning=sleep-in-atomic on=P2,L1
        expect errno=ok copy=4096 warning=none on=M
        expect errno=ENOENT on=D0,P4
        """),
        Scenario(id: "S10", title: "hugetlb, MISSING, ZEROPAGE", source: "facts §4 S10", script: """
        mmap h hugetlb pages=1 shared
        api
        register h mode=missing
        expect errno=ok ioctls=0x10c
        zeropage h pages=1
        expect errno=EINVAL zeropage=-22
        """),
        Scenario(id: "S11", title: "hugetlb, COPY to a dst that is not huge-page aligned", source: "facts §4 S11", script: """
        mmap h hugetlb pages=2 shared
        api
        register h mode=missing
        copy h pages=1 unaligned
        expect errno=EINVAL copy=-22
        """),
        Scenario(id: "S12", title: "shmem MAP_PRIVATE, MINOR, CONTINUE of a page-cache page", source: "facts §4 S12, §2.6", script: """
        mmap s shmem pages=1 private
        pwrite s offset=0 pages=1
        api
        register s mode=minor
        expect errno=ok ioctls=0x1bc
        continue s pages=1
        expect errno=ok mapped=4096 on=D0,M
        expect errno=EINVAL mapped=-22 on=P2,P4,L1
        """),
        Scenario(id: "S13", title: "shmem MAP_PRIVATE, MISSING, COPY gives anonymous memory", source: "facts §4 S13", script: """
        mmap s shmem pages=1 private
        api
        register s mode=missing
        copy s pages=1
        expect errno=ok copy=4096
        fault s offset=0 read
        expect errno=ok waited=0
        """),
        Scenario(id: "S14", title: "plain file, WP_ASYNC, REGISTER WP only, then a write", source: "facts §4 S14", script: """
        mmap f file pages=1 shared populate
        uffd plain
        api ctx=plain
        register f mode=wp ctx=plain
        expect errno=EINVAL
        api features=WP_ASYNC
        register f mode=wp
        expect errno=ok ioctls=0x17c
        writeprotect f mode=wp
        expect errno=ok
        fault f offset=0 write
        expect errno=ok waited=0
        """),
        Scenario(id: "S15", title: "shared mapping of a file opened O_RDONLY (no VM_MAYWRITE)", source: "facts §4 S15", script: """
        mmap s shmem pages=1 shared readonly
        mmap f file pages=1 shared readonly
        api
        register s mode=missing
        expect errno=EPERM
        register f mode=missing
        expect errno=EINVAL
        """),
        Scenario(id: "S16", title: "VMA already registered with another userfaultfd", source: "facts §4 S16", script: """
        mmap a anon pages=1 private
        uffd second
        api
        api ctx=second
        register a mode=missing
        expect errno=ok
        register a mode=missing ctx=second
        expect errno=EBUSY
        """),
        Scenario(id: "S17", title: "COPY onto a PTE that is already present", source: "facts §4 S17", script: """
        mmap a anon pages=1 private populate
        api
        register a mode=missing
        copy a pages=1
        expect errno=EEXIST copy=-17
        """),
        Scenario(id: "S18", title: "shmem shared, COPY beyond i_size", source: "facts §4 S18", script: """
        mmap s shmem pages=2 shared
        api
        register s mode=missing
        truncate s pages=1
        copy s offset=1 pages=1
        expect errno=EFAULT copy=-14 on=D0,P2,P4,L1
        expect errno=ENOMEM copy=-12 on=M
        """),
        Scenario(id: "S19", title: "GUP (no FAULT_FLAG_ALLOW_RETRY) on a MISSING range", source: "facts §4 S19", script: """
        mmap a anon pages=1 private
        api
        register a mode=missing
        fault a offset=0 read gup
        expect errno=EFAULT
        """),
        Scenario(id: "S20", title: "UFFDIO_MOVE: shared src, holes, populated dst, shared-after-fork src", source: "facts §4 S20, §3.4", script: """
        mmap src shmem pages=1 shared populate
        mmap dst anon pages=4 private
        mmap asrc anon pages=4 private
        api features=MOVE
        register dst mode=missing
        move dst src pages=1
        expect errno=EINVAL move=-22
        fault asrc offset=0 write
        move dst asrc pages=2
        expect errno=EAGAIN move=4096
        move dst asrc offset=2 srcoffset=2 pages=1
        expect errno=ENOENT move=-2
        move dst asrc offset=2 srcoffset=2 pages=1 mode=allow_src_holes
        expect errno=ok move=4096
        fault asrc offset=3 write
        copy dst offset=3 pages=1
        move dst asrc offset=3 srcoffset=3 pages=1
        expect errno=EEXIST move=-17
        fault asrc offset=1 write
        fork
        move dst asrc offset=1 srcoffset=1 pages=1
        expect errno=EBUSY move=-16
        """),
        Scenario(id: "S21", title: "fork with EVENT_FORK while COPY is in flight", source: "facts §4 S21", script: """
        mmap a anon pages=2 private
        api features=EVENT_FORK
        register a mode=missing
        fork
        copy a pages=1
        expect errno=EAGAIN copy=-11
        readevent
        expect event=0x13
        copy a pages=1
        expect errno=ok copy=4096
        """),
        Scenario(id: "S22", title: "uffd closed while a fault is waiting", source: "facts §4 S22", script: """
        mmap a anon pages=1 private
        api
        register a mode=missing
        thread A
        fault a offset=0 read
        expect errno=ok waited=1
        thread B
        close
        expect errno=ok
        expect explore=safe
        """),
    ]

    /// What each design lets a module get wrong (design §4 "Drivers").
    static let buggy: [Scenario] = [
        Scenario(id: "B1", title: "module whose uffd_copy faults on user memory under the VMA lock", source: "facts §3.2, §3.5", script: """
        driver buggy-user-fault
        mmap m module pages=1 shared
        api
        register m mode=missing
        copy m pages=1 src=nonresident
        expect errno=ok copy=4096 warning=user-fault-under-lock on=P2,L1
        expect errno=ok copy=4096 warning=none on=M
        expect errno=ENOENT on=D0,P4
        """),
        Scenario(id: "B2", title: "module whose get-folio handler returns the folio unlocked", source: "facts §1.4, §4 S6", script: """
        driver buggy-unlocked-folio
        mmap m module pages=1 shared populate
        madvise m dontneed
        api
        register m mode=minor
        continue m pages=1
        expect errno=ok mapped=4096 warning=bad-unlock on=P2,P4,L1,M
        expect errno=ENOENT on=D0
        """),
        Scenario(id: "B3", title: "module that advertises CONTINUE without a handler", source: "facts §1.2 WARN_ON_ONCE, §1.5 A3", script: """
        driver buggy-advertise
        mmap m module pages=1 shared populate
        madvise m dontneed
        api
        register m mode=minor
        continue m pages=1
        expect errno=EINVAL warning=warn-on on=P2,P4,L1
        expect errno=ok mapped=4096 warning=none on=M
        expect errno=ENOENT on=D0
        """),
        Scenario(id: "B4", title: "module that leaks the retry folio", source: "facts §3.2 step 4", script: """
        driver buggy-leak-folio
        mmap m module pages=1 shared
        api
        register m mode=missing
        copy m pages=1 src=nonresident
        expect errno=ok copy=4096 warning=folio-leak on=P2,L1
        expect errno=ok copy=4096 warning=none on=M
        expect errno=ENOENT on=D0,P4
        """),
        Scenario(id: "B5", title: "module that returns -ENOENT for a non-retry reason", source: "facts §3.2 step 5", script: """
        driver buggy-enoent
        mmap m module pages=2 shared
        api
        register m mode=missing
        truncate m pages=1
        copy m offset=1 pages=1
        expect errno=EFAULT warning=bug on=P2,L1
        expect errno=ENOMEM copy=-12 on=M
        expect errno=ENOENT on=D0,P4
        """),
    ]

    /// Design-knob probes that the facts sheet implies but does not list.
    static let knobs: [Scenario] = [
        Scenario(id: "K1", title: "private mapping of a module: per-VMA ops lookup decides", source: "facts §1.5 A1/A2, §2.6", script: """
        driver gmem
        mmap g gmem pages=1 private populate
        madvise g dontneed
        api
        register g mode=minor
        expect errno=EINVAL on=D0,L1
        expect errno=ok ioctls=0x1bc on=P2,P4,M
        continue g pages=1
        expect errno=ENOENT on=D0,L1
        expect errno=EINVAL on=P2,P4
        expect errno=ok mapped=4096 on=M
        """),
    ]

    /// Two-thread interleavings (design §4 "Interleavings").
    static let concurrent: [Scenario] = [
        Scenario(id: "C1", title: "MOVE vs mmap_write_lock + vma_start_write (fork)", source: "facts §3.4", script: """
        mmap src anon pages=1 private populate
        mmap dst anon pages=1 private
        api features=MOVE
        register dst mode=missing
        thread A
        move dst src pages=1
        expect errno=ok move=4096
        thread B
        fork
        expect explore=safe
        """),
        Scenario(id: "C2", title: "MOVE that locks src with a blocking uffd_lock_vma(), vs fork", source: "facts §3.4, §4 S20 lock column", script: """
        mmap src anon pages=1 private populate
        mmap dst anon pages=1 private
        api features=MOVE
        register dst mode=missing
        thread A
        move dst src pages=1 lock=blocking
        expect errno=ok move=4096
        thread B
        fork
        expect explore=deadlock
        """),
        Scenario(id: "C3", title: "module unload while a COPY retry holds a module folio", source: "design §4, facts §3.2", script: """
        driver example
        mmap m module pages=1 shared
        api
        register m mode=missing
        expect errno=ok on=P2,L1,M
        expect errno=EINVAL on=D0,P4
        thread A
        copy m pages=1 src=nonresident
        thread B
        munmap m
        unload example
        expect errno=ok on=D0,P2,P4,L1
        expect errno=EAGAIN on=M
        thread A
        expect errno=ENOENT warning=bug on=P2,L1
        expect errno=ENOENT warning=none on=D0,P4,M
        expect explore=assertion on=P2,L1
        expect explore=safe on=D0,P4,M
        """),
        Scenario(id: "C4", title: "module ->fault() sleeps in handle_userfault with its folio locked, vs CONTINUE", source: "facts §3.3 last point, §1.3 VM_FAULT_UFFD_MINOR", script: """
        driver buggy-fault-lock
        mmap m module pages=1 shared populate
        madvise m dontneed
        api
        register m mode=minor
        thread A
        fault m offset=0 read
        thread B
        continue m pages=1
        expect errno=EINTR warning=deadlock on=P2,P4,L1
        expect errno=ok mapped=4096 on=M
        expect errno=ENOENT on=D0
        expect explore=deadlock on=P2,P4,L1
        expect explore=safe on=D0,M
        """),
        Scenario(id: "C5", title: "well-behaved module: fault vs COPY", source: "design §4 Interleavings", script: """
        driver example
        mmap m module pages=1 shared
        api
        register m mode=missing
        thread A
        fault m offset=0 read
        thread B
        copy m pages=1
        expect errno=ok copy=4096 on=P2,L1,M
        expect errno=ENOENT on=D0,P4
        expect explore=safe
        """),
    ]
}
