/// The sequential interpreter: runs a script's steps against `World` under one design, walking
/// the kernel paths of facts §2–§3 and feeding the lock checker.
import Foundation

/// What one op returns before it becomes a `StepResult`.
struct Outcome {
    var result = 0
    var errno: Errno?
    var ioctls: UInt64?
    var output: [String: Int] = [:]

    static func ok(_ output: [String: Int] = [:], result: Int = 0) -> Outcome {
        Outcome(result: result, errno: nil, ioctls: nil, output: output)
    }
    static func fail(_ e: Errno, _ output: [String: Int] = [:]) -> Outcome {
        Outcome(result: -1, errno: e, ioctls: nil, output: output)
    }
}

/// The ops a memory type offers under a design (what `vma_get_uffd_ops()` finds).
struct Ops: Sendable, Hashable {
    var name: String
    var modes: UInt8
    var ioctls: UInt64
    var getFolio: Bool
    var uffdCopy: Bool
    var allocHooks: Bool
}

/// A folio the fill path holds across the unlocked retry.
struct Folio: Sendable, Hashable {
    var fromModule: String?
    var filled: Bool
}

/// Fill modes of `mfill_atomic()`.
enum FillMode: String, Sendable {
    case copy, zeropage, `continue`, poison
    /// The output field of the ioctl argument (facts §2.2).
    var field: String {
        switch self {
        case .copy: return "copy"
        case .zeropage: return "zeropage"
        case .continue: return "mapped"
        case .poison: return "updated"
        }
    }
}

struct Machine {
    let design: Design
    var world = World()
    var checker: LockChecker
    var steps: [ScriptStep]
    var results: [StepResult] = []
    var warnings: [LockWarning] = []
    var failed: [String] = []
    var driver = "gmem"
    var lastResult: [String: Int] = [:]
    var executed: Set<Int> = []
    var exploration: ExplorationSummary?

    // Current step context.
    var thread = "main"
    var line = 0
    var trace: [String] = []
    var stepIndex = 0
    var pinned: [String: Int] = [:]

    init(design: Design, steps: [ScriptStep], checker: LockChecker) {
        self.design = design
        self.steps = steps
        self.checker = checker
        self.checker.reported = []
        self.checker.held = [:]
    }

    // MARK: driver loop

    mutating func runAll() {
        var i = 0
        while i < steps.count {
            if !executed.contains(i) {
                executed.insert(i)
                execute(i)
            }
            i += 1
        }
        for w in world.waiters {
            results[w.resultIndex].output["pending"] = 1
            results[w.resultIndex].trace.append("still waiting in handle_userfault() at the end of the script")
        }
    }

    /// Runs the steps of other threads listed after the current step, up to this thread's next step
    /// (they happen while this thread has dropped its locks).
    mutating func runWindow(_ why: String) {
        let me = steps[stepIndex].thread
        var j = stepIndex + 1
        var ran = false
        while j < steps.count, steps[j].thread != me {
            if !executed.contains(j) {
                executed.insert(j)
                if steps[j].op.yieldsResult && !ran {
                    t("  … \(why): other threads run now (lines \(steps[j].line)…)")
                    ran = true
                }
                let saved = (thread, line, trace, stepIndex)
                execute(j)
                (thread, line, trace, stepIndex) = saved
                checker.line = line
            }
            j += 1
        }
    }

    mutating func t(_ s: String) { trace.append(s) }

    /// hugetlb VMAs split by a partial (un)registration stay split (they are never merged).
    mutating func noteSplit(_ mi: Int, _ off: Int, _ n: Int) {
        guard world.mappings[mi].isHugetlb else { return }
        let pages = world.mappings[mi].pages
        for b in [off, off + n] where b > 0 && b < pages { world.mappings[mi].splits.insert(b) }
    }

    /// Pages [off, off+n) clipped to a mapping of `total` pages (empty when off is past the end).
    func pageRange(_ off: Int, _ n: Int, _ total: Int) -> [Int] {
        let end = min(off + n, total)
        return off < end ? Array(off..<end) : []
    }

    mutating func execute(_ i: Int) {
        let s = steps[i]
        stepIndex = i
        thread = s.thread
        line = s.line
        checker.line = s.line
        trace = []
        switch s.op {
        case .design, .thread:
            return
        case .expect:
            evaluate(s)
            return
        default:
            break
        }
        let slot = results.count
        results.append(StepResult(op: s.op.rawValue, line: s.line, thread: s.thread))
        lastResult[s.thread] = slot
        let out = perform(s)
        checker.syscallExit(thread, from: s.op.rawValue)
        var r = results[slot]
        r.result = out.result
        r.errno = out.errno
        r.ioctls = out.ioctls
        r.output.merge(out.output) { a, _ in a }
        r.trace = trace + r.trace
        results[slot] = r
        warnings += checker.drain()
    }

    mutating func perform(_ s: ScriptStep) -> Outcome {
        switch s.op {
        case .driver:
            driver = s.words[0].lowercased()
            t("module \(driver) loaded")
            return .ok()
        case .mmap: return opMmap(s)
        case .uffd:
            let name = s.words[0]
            if world.ctxIndex(name) == nil { world.ctxs.append(Ctx(name: name)) }
            t("userfaultfd(O_CLOEXEC|O_NONBLOCK) → \(name)")
            return .ok()
        case .api: return opApi(s)
        case .register: return opRegister(s)
        case .unregister: return opUnregister(s)
        case .copy: return opFill(s, .copy)
        case .zeropage: return opFill(s, .zeropage)
        case .continue: return opFill(s, .continue)
        case .poison: return opFill(s, .poison)
        case .writeprotect: return opWriteprotect(s)
        case .move: return opMove(s)
        case .wake: return opWake(s)
        case .pwrite: return opPwrite(s)
        case .fault: return opFault(s)
        case .fork: return opFork()
        case .mremap: return opMremap(s)
        case .munmap: return opMunmap(s)
        case .madvise: return opMadvise(s)
        case .truncate: return opTruncate(s)
        case .close: return opClose(s)
        case .unload: return opUnload(s)
        case .readevent: return opReadEvent(s)
        case .design, .thread, .expect: return .ok()
        }
    }

    // MARK: helpers

    mutating func lock(_ c: LockClass, _ m: LockMode, _ site: String, nested: Bool = false, trylock: Bool = false) {
        checker.acquire(thread, c, m, at: site, nested: nested, trylock: trylock)
    }
    mutating func unlock(_ c: LockClass, _ site: String) { checker.release(thread, c, at: site) }

    /// The ctx a step names (`ctx=NAME`, default uffd0), or the error to return.
    func ctxOf(_ s: ScriptStep) -> Result<Int, Errno> {
        let name = s.options["ctx"] ?? "uffd0"
        guard let ci = world.ctxIndex(name), !world.ctxs[ci].released else { return .failure(.EBADF) }
        return .success(ci)
    }

    /// `ctxOf` plus the "UFFDIO_API first" rule (facts §2.2).
    mutating func apiCtx(_ s: ScriptStep) -> Result<Int, Errno> {
        switch ctxOf(s) {
        case .failure(let e):
            t("ioctl on a closed or unknown userfaultfd → -EBADF")
            return .failure(e)
        case .success(let ci):
            if !world.ctxs[ci].apiDone {
                t("userfaultfd_ioctl: UFFDIO_API not done yet → -EINVAL (facts §2.2)")
                return .failure(.EINVAL)
            }
            return .success(ci)
        }
    }

    func mapping(_ s: ScriptStep, _ n: Int = 0) -> Int? {
        s.name(n).flatMap { world.mappingIndex($0) }
    }

    /// (offset, pages) of a step; `all` = default to the whole mapping, else 1 page.
    func range(_ s: ScriptStep, _ m: Mapping, all: Bool) -> (Int, Int) {
        let off = s.int("offset", 0)
        let def = all ? max(m.pages - off, 0) : 1
        return (off, s.int("pages", def))
    }

    var getFolioName: String { design.continueHandlerName }
    var copyHookName: String {
        design.stripped ? "copy" : "uffd_copy"
    }

    // MARK: ops lookup and capability (facts §1.2, §1.4, §2.3)

    /// What `vma_get_uffd_ops()` (or its design variant) returns for a mapping.
    mutating func opsFor(_ m: Mapping, quiet: Bool = false) -> Ops? {
        guard design.hasOps else { return nil }
        let how: String
        switch design.lookup {
        case .hardcoded: how = ""
        case .vm_ops_pointer: how = design.preset == .M ? "vma->vm_ops->uffd_ops" : "vma->vm_ops->userfaultfd_ops"
        case .get_uffd_ops: how = "vma->vm_ops->get_uffd_ops(vma)"
        case .file_level: how = "vma->vm_file->f_op->uffd_ops"
        }
        var ops: Ops?
        let all = Mode.missing | Mode.wp | Mode.minor
        switch m.type {
        case .anon where !m.shared:
            if design.capabilities == .handlers && design.lookup != .file_level {
                ops = Ops(name: "anon_uffd_ops", modes: Mode.missing | Mode.wp, ioctls: Ioctl.range & ~Ioctl.bit(.continue),
                          getFolio: false, uffdCopy: false, allocHooks: true)
            }
        case .anon, .shmem:
            ops = Ops(name: "shmem_uffd_ops", modes: all,
                      ioctls: Ioctl.bit(.copy) | Ioctl.bit(.zeropage) | Ioctl.bit(.writeprotect) | Ioctl.bit(.continue) | Ioctl.bit(.poison),
                      getFolio: true, uffdCopy: design.delegation == .uffd_copy, allocHooks: design.delegation == .alloc_hooks)
        case .hugetlb:
            ops = Ops(name: "hugetlb_uffd_ops", modes: all,
                      ioctls: Ioctl.bit(.copy) | Ioctl.bit(.writeprotect) | Ioctl.bit(.continue) | Ioctl.bit(.poison),
                      getFolio: false, uffdCopy: false, allocHooks: false)
        case .file:
            ops = nil
        case .gmem, .module:
            guard let drv = Driver.named(m.driver) else { break }
            if design.lookup == .get_uffd_ops && !m.shared {
                if !quiet { t("\(how) → NULL (the module's handler declines MAP_PRIVATE mappings)") }
                return nil
            }
            let p = Provision.module(drv, design: design)
            ops = Ops(name: "\(drv.id.replacingOccurrences(of: "-", with: "_"))_uffd_ops", modes: p.modes, ioctls: p.ioctls,
                      getFolio: p.getFolio, uffdCopy: p.uffdCopy, allocHooks: p.allocHooks)
        }
        if var o = ops, design.capabilities == .ioctls {
            // facts §1.2 v4: uffd_get_supported_modes() derives the modes from the ioctl bits.
            o.modes = ((o.ioctls & (Ioctl.bit(.copy) | Ioctl.bit(.zeropage))) != 0 ? Mode.missing : 0)
                | ((o.ioctls & Ioctl.bit(.continue)) != 0 ? Mode.minor : 0)
                | ((o.ioctls & Ioctl.bit(.writeprotect)) != 0 ? Mode.wp : 0)
            ops = o
        }
        if !quiet {
            if let o = ops { t("\(how) → \(o.name)") } else if m.type == .anon && !m.shared {
                t("vma_is_anonymous(): anonymous memory is handled by core mm")
            } else { t("\(how) → NULL") }
        }
        return ops
    }

    /// `vma_can_userfault()` under the design (facts §1.2 v2 code, §1.4 registration order, §2.3).
    mutating func canUserfault(_ m: Mapping, _ vmf: UInt8, wpAsync: Bool) -> Bool {
        if design.lookup == .hardcoded {
            // facts §2.3 / mainline 6.18: MINOR only for hugetlb and shmem; WP_ASYNC+WP-only for any VMA.
            if vmf & Mode.minor != 0 && !m.isHugetlb && !m.isShmem {
                t("vma_can_userfault: MINOR needs shmem or hugetlb → false")
                return false
            }
            if wpAsync && vmf == Mode.wp {
                t("vma_can_userfault: WP_ASYNC with WP only → any memory type")
                return true
            }
            let ok = m.isAnonymous || m.isHugetlb || m.isShmem
            t("vma_can_userfault: \(m.typeName) → \(ok)")
            return ok
        }
        if wpAsync && vmf == Mode.wp {
            t("vma_can_userfault: WP_ASYNC with WP only → any memory type (checked first)")
            return true
        }
        if m.isAnonymous && (design.capabilities != .handlers || design.lookup == .file_level) {
            let ok = vmf & ~(Mode.missing | Mode.wp) == 0
            t("vma_can_userfault: anonymous supports MISSING|WP (hard-coded) → \(ok)")
            return ok
        }
        guard let ops = opsFor(m) else {
            t("vma_can_userfault: no ops → false")
            return false
        }
        let ok = vmf & ~ops.modes == 0
        switch design.capabilities {
        case .features_and_ioctls: t("vma_can_userfault: \(Mode.text(vmf)) ⊆ uffd_features \(Mode.text(ops.modes)) → \(ok)")
        case .ioctls: t("vma_can_userfault: \(Mode.text(vmf)) ⊆ modes derived from supported_ioctls \(Mode.text(ops.modes)) → \(ok)")
        case .handlers: t("\(ops.name)->can_userfault(vma, \(Mode.text(vmf))) → \(ok)")
        }
        return ok
    }

    /// The `ioctls` mask UFFDIO_REGISTER writes back (fs/userfaultfd.c `userfaultfd_register`):
    /// UFFD_API_RANGE_IOCTLS, or UFFD_API_RANGE_IOCTLS_BASIC when a hugetlb VMA is in the range;
    /// WRITEPROTECT only with MODE_WP, CONTINUE only with MODE_MINOR (facts §2.3). None of the
    /// designs changed this computation (Peter's and Mike's series leave `ioctls_out` alone).
    static func registerMask(hugetlb: Bool, modes: UInt8) -> UInt64 {
        var mask = hugetlb ? Ioctl.basic : Ioctl.range
        if modes & Mode.wp == 0 { mask &= ~Ioctl.bit(.writeprotect) }
        if modes & Mode.minor == 0 { mask &= ~Ioctl.bit(.continue) }
        return mask
    }

    // MARK: mmap, api, register

    /// `mmap`: a new VMA (and inode for file-backed types); `populate` writes every page first; `fixed=` replaces a mapping (facts §4 S5).
    mutating func opMmap(_ s: ScriptStep) -> Outcome {
        guard let name = s.name(0) else { return .fail(.EINVAL) }
        let typeWord = s.words.first { MemType(rawValue: $0.lowercased()) != nil }?.lowercased() ?? "anon"
        let type = MemType(rawValue: typeWord) ?? .anon
        let pages = s.int("pages", 1)
        let shared = s.has("shared") || (!s.has("private") && type != .anon)
        let readonly = s.has("readonly")
        var drvName: String
        switch type {
        case .anon: drvName = shared ? "shmem" : "anon"
        case .shmem, .hugetlb, .file: drvName = type.rawValue
        case .gmem: drvName = "gmem"
        case .module: drvName = driver
        }
        if world.unloaded.contains(drvName) {
            t("mmap: module \(drvName) is not loaded → -ENODEV (reported as EINVAL)")
            return .fail(.EINVAL)
        }
        var inode: Int?
        if type != .anon || shared {
            world.inodes.append(Inode(size: pages, id: world.nextInodeId))
            world.nextInodeId += 1
            inode = world.inodes.count - 1
        }
        var base = world.nextBase
        if let fixed = s.options["fixed"], let fi = world.mappingIndex(fixed) {
            base = world.mappings[fi].base
            t("mmap(MAP_FIXED) over \(fixed): the old VMA is unmapped and replaced by a different file")
            unmapPages(fi, 0, world.mappings[fi].pages, site: "do_mmap")
        } else {
            world.nextBase += pages + 0x100
        }
        var m = Mapping(name: name, type: type, shared: shared, mayWrite: !(readonly && shared), readonlyProt: readonly,
                        driver: drvName, base: base, pages: pages, inode: inode,
                        mapped: Array(repeating: true, count: pages), ptes: Array(repeating: Pte(), count: pages),
                        ctx: Array(repeating: -1, count: pages), modes: Array(repeating: 0, count: pages))
        if s.has("populate") {
            m.hasPageTable = true
            for p in 0..<pages {
                if let ino = inode { world.inodes[ino].cache.insert(p) }
                m.ptes[p] = Pte(state: .present, wp: false, anon: !shared, cowShared: false)
            }
            if !shared { m.anonVMA = true }
        }
        world.mappings.append(m)
        t("mmap \(name): \(m.typeName), \(shared ? "MAP_SHARED" : "MAP_PRIVATE")\(readonly ? ", read-only (no VM_MAYWRITE)" : ""), \(pages) page(s)\(s.has("populate") ? ", populated" : "")")
        return .ok()
    }

    /// UFFDIO_API: features negotiated once; a second call is -EINVAL (facts §2.2); WP_ASYNC implies WP_UNPOPULATED.
    mutating func opApi(_ s: ScriptStep) -> Outcome {
        let ci: Int
        switch ctxOf(s) {
        case .failure(let e): return .fail(e)
        case .success(let c): ci = c
        }
        var features: UInt64 = 0
        for f in s.list("features") { features |= UffdFeature.bit(f) ?? 0 }
        if world.ctxs[ci].apiDone {
            t("userfaultfd_api: features already set (cmpxchg fails) → -EINVAL")
            return .fail(.EINVAL)
        }
        if features & ~UffdFeature.all != 0 { return .fail(.EINVAL) }
        if features & UffdFeature.wpAsync != 0 { features |= UffdFeature.wpUnpopulated }
        world.ctxs[ci].apiDone = true
        world.ctxs[ci].features = features
        t("userfaultfd_api: UFFD_API, features 0x\(String(features, radix: 16)) enabled")
        return .ok(["features": Int(features)])
    }

    mutating func parseModes(_ s: ScriptStep) -> UInt8? {
        var vmf: UInt8 = 0
        for w in s.list("mode") {
            switch w {
            case "missing": vmf |= Mode.missing
            case "wp": vmf |= Mode.wp
            case "minor": vmf |= Mode.minor
            default: return nil
            }
        }
        return vmf
    }

    /// UFFDIO_REGISTER with the checks of facts §2.4 in kernel order: mode, validate_range, no VMA,
    /// !vma_can_userfault → -EINVAL, no VM_MAYWRITE → -EPERM, other ctx → -EBUSY; then the split and the mask.
    mutating func opRegister(_ s: ScriptStep) -> Outcome {
        let ci: Int
        switch apiCtx(s) {
        case .failure(let e): return .fail(e)
        case .success(let c): ci = c
        }
        guard let vmf = parseModes(s), vmf != 0 else {
            t("userfaultfd_register: mode 0 or unknown bits → -EINVAL (facts §2.4 step 1)")
            return .fail(.EINVAL)
        }
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let (off, n) = range(s, world.mappings[mi], all: true)
        if n == 0 {
            t("validate_range: len 0 → -EINVAL")
            return .fail(.EINVAL)
        }
        lock(.mmapLock, .write, "userfaultfd_register")
        defer { unlock(.mmapLock, "userfaultfd_register") }
        let m = world.mappings[mi]
        let pages = pageRange(off, n, m.pages).filter { m.mapped[$0] }
        guard !pages.isEmpty else {
            t("vma_find: no VMA in range → -EINVAL (facts §2.4 step 3)")
            return .fail(.EINVAL)
        }
        let wpAsync = world.ctxs[ci].features & UffdFeature.wpAsync != 0
        if !canUserfault(m, vmf, wpAsync: wpAsync) {
            t("userfaultfd_register: !vma_can_userfault → -EINVAL (facts §2.4 step 4)")
            return .fail(.EINVAL)
        }
        if !m.mayWrite {
            t("userfaultfd_register: VMA lacks VM_MAYWRITE → -EPERM (facts §2.4 step 4)")
            return .fail(.EPERM)
        }
        if pages.contains(where: { m.ctx[$0] >= 0 && m.ctx[$0] != ci }) {
            t("userfaultfd_register: VMA owned by another userfaultfd → -EBUSY (facts §2.4 step 4)")
            return .fail(.EBUSY)
        }
        lock(.vmaLock, .write, "userfaultfd_register_range")
        if off > 0 || off + n < m.pages { t("userfaultfd_register_range: vma_modify_flags_uffd splits the VMA") }
        if pages.contains(where: { !(m.ctx[$0] == ci && m.modes[$0] & vmf == vmf) }) { noteSplit(mi, off, n) }
        for p in pages {
            // userfaultfd_register_range: a VMA already registered here with (at least) these
            // modes is skipped; otherwise its uffd flags are replaced by the requested ones.
            if m.ctx[p] == ci && m.modes[p] & vmf == vmf { continue }
            world.mappings[mi].ctx[p] = ci
            world.mappings[mi].modes[p] = vmf
        }
        t("userfaultfd_register_range: vma_start_write, vm_flags |= \(Mode.text(vmf)), ctx = \(world.ctxs[ci].name)")
        if m.isHugetlb && vmf & (Mode.wp | Mode.minor) != 0 {
            lock(.hugetlbVmaLock, .write, "hugetlb_unshare_pmds")
            lock(.iMmapRwsem, .write, "hugetlb_unshare_pmds")
            unlock(.iMmapRwsem, "hugetlb_unshare_pmds")
            unlock(.hugetlbVmaLock, "hugetlb_unshare_pmds")
            t("hugetlb_unshare_all_pmds")
        }
        unlock(.vmaLock, "userfaultfd_register")
        let mask = Machine.registerMask(hugetlb: m.isHugetlb, modes: vmf)
        t("ioctls = 0x\(String(mask, radix: 16))")
        var out = Outcome.ok()
        out.ioctls = mask
        return out
    }

    /// UFFDIO_UNREGISTER (facts §2.4 "Unregistration"): same range checks, wakes MISSING waiters, clears WP markers.
    mutating func opUnregister(_ s: ScriptStep) -> Outcome {
        let ci: Int
        switch apiCtx(s) {
        case .failure(let e): return .fail(e)
        case .success(let c): ci = c
        }
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let (off, n) = range(s, world.mappings[mi], all: true)
        if n == 0 { return .fail(.EINVAL) }
        lock(.mmapLock, .write, "userfaultfd_unregister")
        defer { unlock(.mmapLock, "userfaultfd_unregister") }
        let m = world.mappings[mi]
        let pages = pageRange(off, n, m.pages).filter { m.mapped[$0] }
        if pages.isEmpty {
            t("vma_find: no VMA in range → -EINVAL")
            return .fail(.EINVAL)
        }
        let wpAsync = world.ctxs[ci].features & UffdFeature.wpAsync != 0
        if !canUserfault(m, m.modes[pages[0]], wpAsync: wpAsync) {
            t("userfaultfd_unregister: !vma_can_userfault(vma, vma->vm_flags) → -EINVAL")
            return .fail(.EINVAL)
        }
        if pages.contains(where: { m.ctx[$0] >= 0 && m.ctx[$0] != ci }) {
            t("userfaultfd_unregister: VMA registered through another userfaultfd → -EINVAL")
            return .fail(.EINVAL)
        }
        if pages.contains(where: { m.ctx[$0] >= 0 }) { noteSplit(mi, off, n) }
        lock(.vmaLock, .write, "userfaultfd_clear_vma")
        for p in pages where m.ctx[p] >= 0 {
            world.mappings[mi].ctx[p] = -1
            world.mappings[mi].modes[p] = 0
            if world.mappings[mi].ptes[p].state == .marker { world.mappings[mi].ptes[p].state = .none }
            world.mappings[mi].ptes[p].wp = false
        }
        unlock(.vmaLock, "userfaultfd_clear_vma")
        t("userfaultfd_clear_vma: uffd flags cleared, uffd_wp_range(…, false)")
        wake(mi, Set(pages), reason: "UNREGISTER")
        return .ok()
    }

    // MARK: faults

    /// A page fault or GUP on one page (facts §3.3): per-VMA read lock, then the memory type's fault path.
    mutating func opFault(_ s: ScriptStep) -> Outcome {
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let page = s.int("offset", 0)
        let write = s.has("write")
        let gup = s.has("gup")
        let nowait = s.has("nowait")
        let m = world.mappings[mi]
        guard page < m.pages, m.mapped[page] else {
            t("do_user_addr_fault: no VMA → SIGSEGV (the access fails with EFAULT)")
            return .fail(.EFAULT)
        }
        if write && m.readonlyProt {
            t("do_user_addr_fault: write to a read-only mapping → SIGSEGV (the access fails with EFAULT)")
            return .fail(.EFAULT)
        }
        lock(.vmaLock, .read, "lock_vma_under_rcu")
        world.mappings[mi].hasPageTable = true
        t("\(gup ? "GUP (no FAULT_FLAG_ALLOW_RETRY)" : "page fault") on \(m.name)+\(page) (\(write ? "write" : "read"))")
        let res = faultOnce(mi, page, write: write, gup: gup, nowait: nowait, waiterSlot: lastResult[thread] ?? 0)
        if checker.holds(thread, .vmaLock) { unlock(.vmaLock, "do_user_addr_fault") }
        return res
    }

    /// One attempt of the fault path; called with the VMA lock held, releases it when it sleeps.
    mutating func faultOnce(_ mi: Int, _ page: Int, write: Bool, gup: Bool, nowait: Bool, waiterSlot: Int) -> Outcome {
        let m = world.mappings[mi]
        let pte = m.ptes[page]
        let ci = m.ctx[page]
        let modes = m.modes[page]
        if pte.state == .poison {
            t("PTE is a poison marker → VM_FAULT_HWPOISON → SIGBUS")
            return sigbus(gup)
        }
        if pte.state == .present {
            if write && pte.wp && modes & Mode.wp != 0 && ci >= 0 {
                if world.ctxs[ci].features & UffdFeature.wpAsync != 0 {
                    world.mappings[mi].ptes[page].wp = false
                    t("uffd-wp fault with WP_ASYNC: write bit restored, no message (facts §4 S14)")
                    return .ok(["waited": 0])
                }
                return handleUserfault(mi, page, ci, write: write, gup: gup, nowait: nowait, wpFault: true, waiterSlot: waiterSlot)
            }
            if write && pte.cowShared { world.mappings[mi].ptes[page].cowShared = false }
            if write && pte.zeroPage {
                // do_wp_page() on the zero page: wp_page_copy() maps a new exclusive anonymous folio.
                world.mappings[mi].ptes[page].zeroPage = false
                world.mappings[mi].ptes[page].cowShared = false
                t("write to the zero page → do_wp_page/wp_page_copy(): a new exclusive anonymous folio")
                return .ok(["waited": 0])
            }
            if write && !m.shared && !pte.anon { world.mappings[mi].ptes[page].anon = true; t("write to a page-cache page in a private mapping → COW to anonymous") }
            t("PTE present → no fault")
            return .ok(["waited": 0])
        }
        if pte.state == .marker && write && modes & Mode.wp != 0 && ci >= 0 {
            if world.ctxs[ci].features & UffdFeature.wpAsync != 0 {
                world.mappings[mi].ptes[page] = Pte(state: .present, wp: false, anon: !m.shared)
                t("write to a uffd-wp marker with WP_ASYNC: page populated writable, no message")
                return .ok(["waited": 0])
            }
            return handleUserfault(mi, page, ci, write: write, gup: gup, nowait: nowait, wpFault: true, waiterSlot: waiterSlot)
        }
        // PTE none (or a marker that does not trap this access).
        if let ino = m.inode, page >= world.inodes[ino].size {
            t("fault beyond i_size → SIGBUS")
            return sigbus(gup)
        }
        let inCache = m.inode.map { world.inodes[$0].cache.contains(page) } ?? false
        var userfault = false
        var minor = false
        if ci >= 0 {
            if m.isAnonymous {
                userfault = modes & Mode.missing != 0
            } else if m.type == .file {
                userfault = false
            } else if inCache {
                userfault = modes & Mode.minor != 0
                minor = userfault
            } else {
                userfault = modes & Mode.missing != 0
            }
        }
        if m.isModule {
            t("\(m.driver)_fault(vmf)")
            if userfault {
                if design.coreCallsUserfault {
                    t("->fault() returns VM_FAULT_UFFD_\(minor ? "MINOR" : "MISSING"); __do_fault() → __do_userfault() → handle_userfault() (core, no module locks held)")
                } else {
                    t("module ->fault() calls handle_userfault() itself")
                    if Driver.named(m.driver)?.bug == .sleepsInFaultWithFolioLock {
                        lock(.folioLock, .write, "\(m.driver)_fault")
                        t("BUG: \(m.driver)_fault() holds the folio lock across handle_userfault()")
                    }
                }
            }
        }
        if userfault {
            return handleUserfault(mi, page, ci, write: write, gup: gup, nowait: nowait, wpFault: false, waiterSlot: waiterSlot)
        }
        // Normal fault.
        if let ino = m.inode {
            if !inCache {
                world.inodes[ino].cache.insert(page)
                t("\(m.type == .file ? "filemap_fault: read the page into the page cache" : "\(m.isShmem ? "shmem" : m.typeName)_fault: allocate a page-cache folio")")
            } else {
                t("page-cache hit")
            }
            world.mappings[mi].ptes[page] = Pte(state: .present, wp: pte.state == .marker, anon: !m.shared && write)
        } else {
            world.mappings[mi].anonVMA = true
            world.mappings[mi].ptes[page] = Pte(state: .present, wp: pte.state == .marker, anon: true, zeroPage: !write)
            t(write ? "do_anonymous_page: allocate a zeroed page" : "do_anonymous_page: map the zero page")
        }
        return .ok(["waited": 0])
    }

    /// A failed access: SIGBUS for a user access ({"sigbus": 1}), -EFAULT for GUP; both report EFAULT.
    func sigbus(_ gup: Bool) -> Outcome { gup ? .fail(.EFAULT) : .fail(.EFAULT, ["sigbus": 1]) }

    /// `handle_userfault()` (facts §3.3).
    mutating func handleUserfault(_ mi: Int, _ page: Int, _ ci: Int, write: Bool, gup: Bool, nowait: Bool,
                                  wpFault: Bool, waiterSlot: Int) -> Outcome {
        let ctx = world.ctxs[ci]
        t("handle_userfault(\(wpFault ? "WP" : "MISSING/MINOR")) ctx=\(ctx.name)")
        if ctx.features & UffdFeature.sigbus != 0 {
            t("UFFD_FEATURE_SIGBUS → VM_FAULT_SIGBUS")
            releaseModuleFaultLocks()
            return sigbus(gup)
        }
        if ctx.released {
            t("ctx released → release_fault_lock, VM_FAULT_RETRY (never SIGBUS)")
            return .ok(["waited": 0])
        }
        if gup && !nowait {
            t("no FAULT_FLAG_ALLOW_RETRY → VM_FAULT_SIGBUS → GUP returns -EFAULT (facts §4 S19)")
            releaseModuleFaultLocks()
            return sigbus(true)
        }
        if nowait {
            t("FAULT_FLAG_RETRY_NOWAIT → VM_FAULT_RETRY without releasing the lock")
            releaseModuleFaultLocks()
            return .fail(.EAGAIN)
        }
        checker.assertHeld(thread, .vmaLock, at: "handle_userfault: assert_fault_locked")
        let hugetlb = world.mappings[mi].isHugetlb
        if hugetlb { lock(.hugetlbVmaLock, .read, "userfaultfd_huge_must_wait") }
        lock(.uffdWaitqueue, .write, "handle_userfault")
        t("queue on fault_pending_wqh (spin_lock_irq)")
        unlock(.uffdWaitqueue, "handle_userfault")
        if hugetlb { unlock(.hugetlbVmaLock, "userfaultfd_huge_must_wait") }
        unlock(.vmaLock, "release_fault_lock")
        t("release_fault_lock(vmf); schedule() until woken; then VM_FAULT_RETRY")
        checker.mightSleep(thread, at: "handle_userfault", what: "schedule()")
        var w = Waiter(resultIndex: waiterSlot, thread: thread, mapping: mi, page: page, ctx: ci, write: write, wpFault: wpFault)
        if checker.holds(thread, .folioLock) {
            w.heldLocks = [.folioLock]
            unlock(.folioLock, "handle_userfault (transferred to the sleeper)")
        }
        world.waiters.append(w)
        return .ok(["waited": 1])
    }

    mutating func releaseModuleFaultLocks() {
        if checker.holds(thread, .folioLock) { unlock(.folioLock, "module fault exit") }
    }

    /// Wakes waiters on `pages` of mapping `mi`; each retries its fault (facts §3.3 step 5).
    mutating func wake(_ mi: Int, _ pages: Set<Int>, reason: String, ctx: Int? = nil) {
        var remaining: [Waiter] = []
        var woken: [Waiter] = []
        for w in world.waiters {
            if (w.mapping == mi && pages.contains(w.page)) || (ctx != nil && w.ctx == ctx) { woken.append(w) } else { remaining.append(w) }
        }
        guard !woken.isEmpty else { return }
        lock(.uffdWaitqueue, .write, "wake_userfault")
        unlock(.uffdWaitqueue, "wake_userfault")
        world.waiters = remaining
        for w in woken {
            t("wake_userfault: \(w.thread) woken (\(reason))")
            let savedThread = thread
            thread = "\(w.thread)/retry"
            lock(.vmaLock, .read, "lock_vma_under_rcu")
            var note = ["woken by \(reason) at line \(line); fault retried with FAULT_FLAG_TRIED"]
            let tracesBefore = trace.count
            let r = faultOnce(w.mapping, w.page, write: w.write, gup: false, nowait: false, waiterSlot: w.resultIndex)
            note += trace[tracesBefore...].map { "  " + $0 }
            trace.removeSubrange(tracesBefore...)
            if checker.holds(thread, .vmaLock) { unlock(.vmaLock, "do_user_addr_fault") }
            checker.syscallExit(thread, from: "page fault")
            thread = savedThread
            if r.output["waited"] == 1 {
                note.append("still unresolved: waiting again")
            } else {
                results[w.resultIndex].result = r.result
                results[w.resultIndex].errno = r.errno
                if let sb = r.output["sigbus"] { results[w.resultIndex].output["sigbus"] = sb }
                note.append(r.result == 0 ? "fault resolved" : "fault failed")
            }
            results[w.resultIndex].trace += note
        }
    }

    // MARK: expectations

    mutating func evaluate(_ s: ScriptStep) {
        if let on = s.options["on"] {
            let presets = on.split(separator: ",").compactMap { Preset(rawValue: String($0).uppercased()) }
            if !presets.contains(design.preset) { return }
        }
        if s.options["explore"] != nil && s.options.count <= 2 && s.options.keys.allSatisfy({ $0 == "explore" || $0 == "on" }) {
            pendingExploreExpect.append(s)
            return
        }
        guard let idx = lastResult[s.thread] else {
            failed.append("line \(s.line): expect without a previous step")
            return
        }
        let r = results[idx]
        func miss(_ what: String) { failed.append("line \(s.line): expected \(what), got \(describe(r))") }
        for (k, v) in s.options.sorted(by: { $0.key < $1.key }) {
            switch k {
            case "on", "explore": continue
            case "errno":
                if v.lowercased() == "ok" {
                    if r.errno != nil || r.result < 0 { miss("ok") }
                } else if r.errno?.rawValue != v.uppercased() { miss("errno=\(v.uppercased())") }
            case "ioctls":
                if let want = parseNumber(v), r.ioctls != UInt64(truncatingIfNeeded: want) {
                    miss("ioctls=0x\(String(UInt64(truncatingIfNeeded: want), radix: 16))")
                }
            case "result":
                if r.result != parseNumber(v) { miss("result=\(v)") }
            case "warning":
                let here = warnings.filter { $0.line == r.line }
                if v == "none" {
                    if !here.isEmpty { miss("no warning") }
                } else if !here.contains(where: { $0.kind.rawValue == v }) { miss("warning=\(v)") }
            default:
                let want = parseNumber(v) ?? -(Errno(rawValue: v.uppercased())?.code ?? 0)
                if r.output[k] != want { miss("\(k)=\(v)") }
            }
        }
        if s.has("ok"), r.errno != nil || r.result < 0 { miss("ok") }
    }

    var pendingExploreExpect: [ScriptStep] = []

    func describe(_ r: StepResult) -> String {
        var s = "\(r.op) → \(r.short)"
        if let m = r.ioctls { s += " ioctls=0x\(String(m, radix: 16))" }
        for (k, v) in r.output.sorted(by: { $0.key < $1.key }) { s += " \(k)=\(v)" }
        let w = warnings.filter { $0.line == r.line }.map(\.kind.rawValue)
        if !w.isEmpty { s += " warnings=\(w.joined(separator: ","))" }
        return s
    }
}
