/// Compiles the thread sections of a multi-thread script into lock skeletons for `Explorer`:
/// each op becomes its sequence of lock, sleep and wake points under the chosen design.
import Foundation

enum Interleavings {
    /// Runs the setup prefix (leading `main` steps), compiles every thread and explores.
    static func explore(_ script: Script, design: Design, maxStates: Int = 50_000) -> ExplorationSummary {
        let prefixCount = script.steps.prefix { $0.thread == "main" }.count
        var setup = Machine(design: design, steps: Array(script.steps.prefix(prefixCount)), checker: LockChecker())
        setup.runAll()
        let rest = script.steps.dropFirst(prefixCount)
        var order: [String] = []
        for s in rest where !order.contains(s.thread) { order.append(s.thread) }
        var c = Compiler(design: design, machine: setup)
        for s in rest where s.op == .fault { c.faultTargets.append(c.key(s)) }
        var programs: [ProgramBuilder] = []
        for th in order {
            var b = ProgramBuilder(thread: th)
            for s in rest where s.thread == th { c.compile(s, into: &b) }
            programs.append(b)
        }
        return Explorer.explore(programs, initial: c.initial, maxStates: maxStates)
    }
}

private struct Compiler {
    let design: Design
    var machine: Machine
    var initial: [String: Int] = [:]
    var faultTargets: [String] = []
    var uniq = 0

    init(design: Design, machine: Machine) {
        self.design = design
        self.machine = machine
        for m in machine.world.mappings {
            let b = m.base
            initial["vma@\(b)"] = m.mapped.contains(true) ? 1 : 0
            initial["reg@\(b)"] = m.ctx.contains { $0 >= 0 } ? 1 : 0
            initial["file@\(b)"] = m.inode.map { machine.world.inodes[$0].id } ?? 0
            for p in 0..<m.pages where m.ptes[p].state == .present { initial["present@\(b):\(p)"] = 1 }
            if m.isModule {
                initial["ref:\(m.driver)", default: 0] += m.mapped.contains(true) ? 1 : 0
                initial["loaded:\(m.driver)"] = 1
            }
        }
        for (i, c) in machine.world.ctxs.enumerated() where c.mmapChanging > 0 { initial["changing:\(i)"] = 1 }
    }

    /// The lock name of a VMA as schedules print it (named after the first mapping at that address).
    func vmaLock(_ m: Mapping) -> String {
        let first = machine.world.mappings.first { $0.base == m.base }?.name ?? m.name
        return "&vma->vm_lock[\(first)]"
    }

    /// The folio lock of one page, as schedules print it.
    func folioLock(_ m: Mapping, _ page: Int) -> String {
        "folio_lock[\(machine.world.mappings.first { $0.base == m.base }?.name ?? m.name)+\(page)]"
    }

    /// The PTE-table lock of a VMA, as schedules print it.
    func ptlLock(_ m: Mapping) -> String {
        "ptlock[\(machine.world.mappings.first { $0.base == m.base }?.name ?? m.name)]"
    }

    func mapping(_ s: ScriptStep, _ n: Int = 0) -> Mapping? {
        guard let name = s.name(n), let i = machine.world.mappingIndex(name) else { return nil }
        return machine.world.mappings[i]
    }

    func key(_ s: ScriptStep) -> String {
        guard let m = mapping(s) else { return "?" }
        return "@\(m.base):\(s.int("offset", 0))"
    }

    mutating func fresh(_ p: String) -> String {
        uniq += 1
        return "\(p)\(uniq)"
    }

    /// The ctx index a mapping's page is registered with (or the script's ctx).
    func ctx(_ m: Mapping, _ page: Int) -> Int { page < m.pages ? max(m.ctx[page], 0) : 0 }

    mutating func compile(_ s: ScriptStep, into b: inout ProgramBuilder) {
        switch s.op {
        case .fault: fault(s, &b)
        case .copy, .zeropage, .continue: fill(s, &b)
        case .mremap, .munmap: unmap(s, &b)
        case .mmap: replace(s, &b)
        case .register, .unregister:
            guard let m = mapping(s) else { return }
            b.lock("&mm->mmap_lock", write: true, at: "userfaultfd_\(s.op.rawValue)")
            b.lock(vmaLock(m), write: true, at: "vma_start_write")
            b.set("reg@\(m.base)", s.op == .register ? 1 : 0)
            b.unlock(vmaLock(m), at: "userfaultfd_\(s.op.rawValue)")
            b.unlock("&mm->mmap_lock", at: "userfaultfd_\(s.op.rawValue)")
        case .move: move(s, &b)
        case .fork: fork(&b)
        case .close: close(s, &b)
        case .unload:
            let d = s.words[0].lowercased()
            let busy = fresh("busy")
            let out = fresh("out")
            b.goto(busy, ifDiffer: "ref:\(d)", "zero")
            b.set("loaded:\(d)", 0)
            b.note("delete_module(\(d)): unloaded")
            b.goto(out)
            b.label(busy)
            b.note("delete_module(\(d)): in use → -EWOULDBLOCK")
            b.label(out)
        case .readevent:
            b.set("changing:0", 0)
            b.note("read(uffd): event acknowledged, mmap_changing = 0")
        case .wake:
            guard let m = mapping(s) else { return }
            let k = "@\(m.base):\(s.int("offset", 0))"
            wakeCode(k, &b)
        default:
            return
        }
    }

    func wakeCode(_ k: String, _ b: inout ProgramBuilder) {
        b.lock("&ctx->fault_pending_wqh", write: true, at: "wake_userfault")
        let skip = "nowake\(k)\(b.code.count)"
        b.goto(skip, if: "queued\(k)", equals: 0)
        b.set("woken\(k)", 1)
        b.label(skip)
        b.unlock("&ctx->fault_pending_wqh", at: "wake_userfault")
    }

    /// Page fault into a registered range: handle_userfault() sleeps with the fault lock dropped (facts §3.3).
    mutating func fault(_ s: ScriptStep, _ b: inout ProgramBuilder) {
        guard let m = mapping(s) else { return }
        let page = s.int("offset", 0)
        let k = "@\(m.base):\(page)"
        let ci = ctx(m, page)
        let vma = vmaLock(m)
        let done = fresh("done")
        let normal = fresh("normal")
        let skip = fresh("skip")
        let folioBug = m.isModule && Driver.named(m.driver)?.bug == .sleepsInFaultWithFolioLock
            && (Driver.named(m.driver)?.bugExpressible(design) ?? false)
        b.lock(vma, write: false, at: "lock_vma_under_rcu")
        b.goto(done, if: "present\(k)", equals: 1)
        b.goto(done, if: "reg@\(m.base)", equals: 0)
        b.goto(normal, if: "released:\(ci)", equals: 1)
        if folioBug { b.lock(folioLock(m, page), write: true, at: "\(m.driver)_fault (folio_lock)") }
        b.lock("&ctx->fault_pending_wqh", write: true, at: "handle_userfault")
        b.set("queued\(k)", 1)
        b.unlock("&ctx->fault_pending_wqh", at: "handle_userfault")
        b.goto(skip, if: "present\(k)", equals: 1)
        b.unlock(vma, at: "release_fault_lock")
        b.wait(until: "woken\(k)", equals: 1, at: "handle_userfault: schedule()")
        if folioBug { b.unlock(folioLock(m, page), at: "\(m.driver)_fault") }
        b.lock(vma, write: false, at: "lock_vma_under_rcu (retry, FAULT_FLAG_TRIED)")
        b.goto(done, if: "present\(k)", equals: 1)
        b.goto(normal, if: "released:\(ci)", equals: 1)
        b.check("present\(k)", equals: 1, "a woken fault retries and finds its page resolved")
        b.label(normal)
        b.set("present\(k)", 1)
        b.note("no ctx any more: normal fault (no SIGBUS, facts §4 S22)")
        b.goto(done)
        b.label(skip)
        if folioBug { b.unlock(folioLock(m, page), at: "\(m.driver)_fault") }
        b.label(done)
        b.unlock(vma, at: "do_user_addr_fault")
    }

    /// COPY/ZEROPAGE/CONTINUE: the lock skeleton of mfill_atomic() under the design (facts §3.1, §3.2).
    mutating func fill(_ s: ScriptStep, _ b: inout ProgramBuilder) {
        guard let m = mapping(s) else { return }
        let page = s.int("offset", 0)
        let k = "@\(m.base):\(page)"
        let ci = ctx(m, page)
        let vma = vmaLock(m)
        let mc = "&ctx->map_changing_lock"
        let snap = fresh("snap")
        let enoent = fresh("enoent")
        let enoent2 = fresh("enoent")
        let eagain = fresh("eagain")
        let einval = fresh("einval")
        let out = fresh("out")
        let drv = Driver.named(m.driver)
        let bug = (m.isModule && (drv?.bugExpressible(design) ?? false)) ? drv?.bug : nil
        let nonresident = s.options["src"]?.lowercased() == "nonresident" && s.op == .copy
        let moduleFolio = m.isModule && m.shared && s.op == .copy && (design.delegation == .uffd_copy || design.delegation == .alloc_hooks)
        let snapshot = design.retry == .snapshot && !m.isHugetlb
        b.copy(snap, from: "file@\(m.base)")
        b.lock(vma, write: false, at: "uffd_mfill_lock")
        b.goto(enoent, if: "vma@\(m.base)", equals: 0)
        b.goto(enoent, if: "reg@\(m.base)", equals: 0)
        b.lock(mc, write: false, at: "mfill_atomic")
        b.goto(eagain, if: "changing:\(ci)", equals: 1)
        if bug == .takesMmapLock {
            b.lock("&mm->mmap_lock", write: false, at: "\(m.driver)_uffd_copy (mmap_read_lock)")
            b.unlock("&mm->mmap_lock", at: "\(m.driver)_uffd_copy")
        }
        if nonresident {
            if snapshot {
                b.add("ref:\(m.driver)", 1)
                b.note("mfill_copy_folio_retry: snapshot vm_flags + get_file(vm_file)")
            } else {
                b.note("-ENOENT with *foliop: retry with locks dropped")
            }
            b.unlock(mc, at: snapshot ? "mfill_put_vma" : "mfill_atomic")
            b.unlock(vma, at: snapshot ? "mfill_put_vma" : "uffd_mfill_unlock")
            b.note("copy_from_user() with page faults allowed")
            b.lock(vma, write: false, at: snapshot ? "mfill_get_vma" : "uffd_mfill_lock (retry)")
            b.goto(enoent2, if: "vma@\(m.base)", equals: 0)
            b.goto(enoent2, if: "reg@\(m.base)", equals: 0)
            b.lock(mc, write: false, at: snapshot ? "mfill_get_vma" : "mfill_atomic (retry)")
            b.goto(eagain, if: "changing:\(ci)", equals: 1)
            if snapshot { b.goto(einval, ifDiffer: "file@\(m.base)", snap) }
        }
        if s.op == .continue {
            b.lock(folioLock(m, page), write: true, at: "get_folio (folio_lock)")
        } else if m.shared {
            b.lock(folioLock(m, page), write: true, at: "filemap_add / shmem_add_to_page_cache")
        }
        b.lock(ptlLock(m), write: true, at: "mfill_atomic_install_pte")
        b.checkSame("file@\(m.base)", snap, "the fill installs into the file userspace named (the VMA was replaced while the locks were dropped)")
        b.set("present\(k)", 1)
        b.unlock(ptlLock(m), at: "mfill_atomic_install_pte")
        if s.op == .continue || m.shared { b.unlock(folioLock(m, page), at: "folio_unlock") }
        if !s.list("mode").contains("dontwake") { wakeCode(k, &b) }
        b.unlock(mc, at: "mfill_atomic")
        b.unlock(vma, at: "uffd_mfill_unlock")
        b.goto(out)
        b.label(einval)
        b.note("snapshot changed → -EINVAL")
        b.label(eagain)
        b.unlock(mc, at: "mfill_atomic")
        b.unlock(vma, at: "uffd_mfill_unlock")
        b.goto(out)
        b.label(enoent2)
        b.unlock(vma, at: "uffd_mfill_unlock")
        if nonresident && moduleFolio && !snapshot {
            b.check("loaded:\(m.driver)", equals: 1, "folio_put() of a folio allocated by module \(m.driver) after it was unloaded while the locks were dropped")
        }
        b.goto(out)
        b.label(enoent)
        b.unlock(vma, at: "uffd_mfill_unlock")
        b.label(out)
        if nonresident && snapshot { b.add("ref:\(m.driver)", -1) }
    }

    /// munmap/mremap: mmap_write_lock + vma_start_write, event, VMA gone from the address.
    mutating func unmap(_ s: ScriptStep, _ b: inout ProgramBuilder) {
        guard let m = mapping(s) else { return }
        let site = s.op == .mremap ? "mremap" : "do_vmi_munmap"
        b.lock("&mm->mmap_lock", write: true, at: site)
        b.lock(vmaLock(m), write: true, at: "vma_start_write")
        let ci = ctx(m, 0)
        let feature = s.op == .mremap ? UffdFeature.eventRemap : UffdFeature.eventUnmap
        if m.ctx.contains(where: { $0 >= 0 }) && machine.world.ctxs[ci].features & feature != 0 {
            b.lock("&ctx->map_changing_lock", write: true, at: s.op == .mremap ? "mremap_userfaultfd_prep" : "userfaultfd_unmap_prep")
            b.set("changing:\(ci)", 1)
            b.unlock("&ctx->map_changing_lock", at: "userfaultfd event")
        }
        b.set("vma@\(m.base)", 0)
        b.set("reg@\(m.base)", 0)
        if m.isModule && s.op == .munmap { b.add("ref:\(m.driver)", -1) }
        b.unlock(vmaLock(m), at: site)
        b.unlock("&mm->mmap_lock", at: site)
    }

    /// mmap MAP_FIXED over an existing mapping: the VMA at that address is replaced by another file.
    mutating func replace(_ s: ScriptStep, _ b: inout ProgramBuilder) {
        guard let old = s.options["fixed"], let i = machine.world.mappingIndex(old) else { return }
        let m = machine.world.mappings[i]
        b.lock("&mm->mmap_lock", write: true, at: "do_mmap (MAP_FIXED)")
        b.lock(vmaLock(m), write: true, at: "vma_start_write")
        b.add("file@\(m.base)", 1000)
        b.set("reg@\(m.base)", 0)
        b.set("vma@\(m.base)", 1)
        b.unlock(vmaLock(m), at: "do_mmap")
        b.unlock("&mm->mmap_lock", at: "do_mmap")
        if let name = s.name(0) {
            var moved = m
            moved.name = name
            machine.world.mappings.append(moved)
        }
    }

    /// UFFDIO_MOVE's lock order (facts §3.4): dst VMA, then src by trylock with the mmap_lock fallback.
    mutating func move(_ s: ScriptStep, _ b: inout ProgramBuilder) {
        guard let d = mapping(s, 0), let sm = mapping(s, 1) else { return }
        let dv = vmaLock(d)
        let sv = vmaLock(sm)
        let fallback = fresh("fallback")
        let locked = fresh("locked")
        let eagain = fresh("moveagain")
        let out = fresh("moveout")
        b.lock(dv, write: false, at: "uffd_move_lock: uffd_lock_vma(dst)")
        if s.options["lock"] == "blocking" {
            b.lock(sv, write: false, at: "uffd_lock_vma(src) (blocking)")
            b.goto(locked)
        } else {
            b.trylock(sv, write: false, at: "lock_vma_under_rcu(src)", orGoto: fallback)
            b.goto(locked)
        }
        b.label(fallback)
        b.unlock(dv, at: "uffd_move_lock: drop dst")
        b.lock("&mm->mmap_lock", write: false, at: "uffd_move_lock: mmap_read_lock")
        b.trylock(dv, write: false, at: "vma_start_read_locked(dst)", orGoto: eagain)
        b.trylock(sv, write: false, at: "vma_start_read_locked_nested(src)", orGoto: eagain)
        b.unlock("&mm->mmap_lock", at: "uffd_move_lock: mmap_read_unlock")
        b.label(locked)
        b.lock("&ctx->map_changing_lock", write: false, at: "move_pages")
        b.lock(ptlLock(d.base < sm.base ? d : sm), write: true, at: "double_pt_lock")
        b.lock(ptlLock(d.base < sm.base ? sm : d), write: true, at: "double_pt_lock (nested)")
        b.note("move_pages_pte")
        b.unlock(ptlLock(d.base < sm.base ? sm : d), at: "double_pt_unlock")
        b.unlock(ptlLock(d.base < sm.base ? d : sm), at: "double_pt_unlock")
        b.unlock("&ctx->map_changing_lock", at: "move_pages")
        b.unlock(sv, at: "uffd_move_unlock")
        b.unlock(dv, at: "uffd_move_unlock")
        b.goto(out)
        b.label(eagain)
        b.note("vma_start_read_locked failed → -EAGAIN")
        b.unlock("&mm->mmap_lock", at: "uffd_move_lock")
        b.label(out)
    }

    /// dup_mmap: mmap_write_lock, then vma_start_write on every VMA in address order.
    mutating func fork(_ b: inout ProgramBuilder) {
        let maps = machine.world.mappings.filter { $0.mapped.contains(true) }.sorted { $0.base < $1.base }
        b.lock("&mm->mmap_lock", write: true, at: "dup_mmap")
        for m in maps { b.lock(vmaLock(m), write: true, at: "dup_mmap: vma_start_write") }
        for (i, c) in machine.world.ctxs.enumerated() where c.features & UffdFeature.eventFork != 0 {
            b.lock("&ctx->map_changing_lock", write: true, at: "dup_userfaultfd")
            b.set("changing:\(i)", 1)
            b.unlock("&ctx->map_changing_lock", at: "dup_userfaultfd")
        }
        for m in maps.reversed() { b.unlock(vmaLock(m), at: "dup_mmap") }
        b.unlock("&mm->mmap_lock", at: "dup_mmap")
    }

    /// userfaultfd_release: released = true, write-lock the VMAs, then wake every waiter.
    mutating func close(_ s: ScriptStep, _ b: inout ProgramBuilder) {
        let ci = machine.world.ctxIndex(s.options["ctx"] ?? "uffd0") ?? 0
        b.set("released:\(ci)", 1)
        b.lock("&mm->mmap_lock", write: true, at: "userfaultfd_release")
        for m in machine.world.mappings where m.ctx.contains(ci) {
            b.lock(vmaLock(m), write: true, at: "userfaultfd_release: vma_start_write")
            b.set("reg@\(m.base)", 0)
            b.unlock(vmaLock(m), at: "userfaultfd_release")
        }
        b.unlock("&mm->mmap_lock", at: "userfaultfd_release")
        b.lock("&ctx->fault_pending_wqh", write: true, at: "userfaultfd_release: wake_up_all")
        for k in faultTargets { b.set("woken\(k)", 1) }
        b.unlock("&ctx->fault_pending_wqh", at: "userfaultfd_release")
    }
}
