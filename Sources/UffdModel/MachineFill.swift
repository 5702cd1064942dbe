/// The fill ioctls: `mfill_atomic()` and its per-design delegation (facts §2.2, §2.5, §3.1, §3.2).
import Foundation

extension Machine {
    /// Returned by a per-page handler that asks for the unlocked retry (`-ENOENT` with `*foliop`).
    static let retryRequest = Int.min

    /// UFFDIO_COPY/ZEROPAGE/CONTINUE/POISON: mmap_changing first (-EAGAIN written to the output field),
    /// validate_range, mode bits, then `mfill_atomic()`; partial → -EAGAIN (facts §2.2, §2.5).
    mutating func opFill(_ s: ScriptStep, _ mode: FillMode) -> Outcome {
        let ci: Int
        switch apiCtx(s) {
        case .failure(let e): return .fail(e)
        case .success(let c): ci = c
        }
        let field = mode.field
        if world.ctxs[ci].mmapChanging > 0 {
            t("userfaultfd_\(mode.rawValue): ctx->mmap_changing → -EAGAIN, written to .\(field) (facts §2.2)")
            return .fail(.EAGAIN, [field: -Errno.EAGAIN.code])
        }
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let m = world.mappings[mi]
        let (off, n) = range(s, m, all: false)
        let unaligned = s.has("unaligned")
        if n == 0 {
            t("validate_range: len 0 → -EINVAL")
            return .fail(.EINVAL)
        }
        if unaligned && !m.isHugetlb {
            t("validate_range: dst not page aligned → -EINVAL")
            return .fail(.EINVAL)
        }
        // An unaligned hugetlb dst (4 KiB into a huge page) makes [dst, dst+len) reach into the next huge page.
        let span = unaligned ? n + 1 : n
        let words = s.list("mode")
        let allowed: Set<String> = (mode == .copy || mode == .continue) ? ["dontwake", "wp"] : ["dontwake"]
        if let bad = words.first(where: { !allowed.contains($0) }) {
            t("UFFDIO_\(mode.rawValue.uppercased()): mode bit '\(bad)' not accepted → -EINVAL (facts §2.2)")
            return .fail(.EINVAL)
        }
        let wp = words.contains("wp")
        let dontwake = words.contains("dontwake")
        let src = s.options["src"]?.lowercased() ?? "resident"
        let dstStart = m.base + off
        let r = mfillAtomic(ci, mi, off, n, mode, wp: wp, src: src, unaligned: unaligned, span: span)
        let out = [field: r]
        if r < 0 { return .fail(Errno(code: -r) ?? .EINVAL, out) }
        let bytes = m.pageBytes
        if !dontwake { wakeAddresses(dstStart, r / bytes, reason: "UFFDIO_\(mode.rawValue.uppercased())") }
        if r != n * bytes {
            t("partial: \(r) of \(n * bytes) bytes → -EAGAIN (facts §2.2)")
            return .fail(.EAGAIN, out)
        }
        return Outcome(result: 0, errno: nil, ioctls: nil, output: out)
    }

    mutating func wakeAddresses(_ start: Int, _ count: Int, reason: String) {
        guard count > 0 else { return }
        for (i, m) in world.mappings.enumerated() {
            let pages = Set((0..<m.pages).filter { m.base + $0 >= start && m.base + $0 < start + count })
            if !pages.isEmpty { wake(i, pages, reason: reason) }
        }
    }

    /// `uffd_mfill_lock()`: per-VMA read lock, with the mmap_lock fallback for a private VMA
    /// without anon_vma; then `validate_dst_vma()` (facts §3.1 step 1, §2.5 first row).
    mutating func mfillLock(_ dst: Int, _ n: Int) -> Int? {
        guard let (mi, p) = world.vma(at: dst) else {
            t("uffd_mfill_lock: no VMA at dst → -ENOENT")
            return nil
        }
        let m = world.mappings[mi]
        if !m.shared && !m.anonVMA {
            lock(.mmapLock, .read, "uffd_lock_vma")
            world.mappings[mi].anonVMA = true
            lock(.vmaLock, .read, "vma_start_read_locked")
            unlock(.mmapLock, "uffd_lock_vma")
            t("uffd_lock_vma: private VMA without anon_vma → mmap_read_lock, find_vma_and_prepare_anon, vma_start_read_locked")
        } else {
            lock(.vmaLock, .read, "lock_vma_under_rcu")
            t("uffd_mfill_lock: lock_vma_under_rcu(dst)")
        }
        if !world.singleVMA(mi, p, n) || world.mappings[mi].ctx[p] < 0 {
            unlock(.vmaLock, "uffd_mfill_unlock")
            t("validate_dst_vma: range not inside one registered VMA → -ENOENT")
            return nil
        }
        return mi
    }

    mutating func unlockFill() {
        if checker.holds(thread, .mapChanging) { unlock(.mapChanging, "mfill_atomic") }
        if checker.holds(thread, .vmaLock) { unlock(.vmaLock, "uffd_mfill_unlock") }
    }

    /// The per-design support check before any page is touched; returns -errno or nil.
    mutating func supportCheck(_ m: Mapping, _ mode: FillMode) -> Int? {
        let einval = -Errno.EINVAL.code
        if !design.hasOps {
            if m.isHugetlb { return nil }
            if !m.isAnonymous && !m.isShmem {
                t("mfill_atomic: neither anonymous nor shmem → -EINVAL")
                return einval
            }
            if !m.isShmem && mode == .continue {
                t("mfill_atomic: CONTINUE needs shmem → -EINVAL")
                return einval
            }
            if mode == .continue && !m.shared && !design.continuePrivate {
                t("CONTINUE on a MAP_PRIVATE mapping refused (continue_private=shared_only) → -EINVAL")
                return einval
            }
            return nil
        }
        if design.capabilities != .handlers {
            if m.isAnonymous {
                if mode == .continue {
                    t("vma_uffd_ops_supported: anonymous supports everything except CONTINUE → -EINVAL")
                    return einval
                }
                return nil
            }
            guard let ops = opsFor(m) else {
                t("vma_uffd_ops_supported: no ops → -EINVAL")
                return einval
            }
            let bit: Ioctl
            switch mode {
            case .copy: bit = .copy
            case .zeropage: bit = .zeropage
            case .continue: bit = .continue
            case .poison: bit = .poison
            }
            if mode == .continue && !m.shared && !design.continuePrivate {
                t("vma_uffd_ops_supported: CONTINUE needs VM_SHARED → -EINVAL (facts §2.6)")
                return einval
            }
            if ops.ioctls & Ioctl.bit(bit) == 0 {
                t("vma_uffd_ops_supported: _UFFDIO_\(mode.rawValue.uppercased()) not in \(design.capabilities == .ioctls ? "supported_ioctls" : "uffd_ioctls") → -EINVAL")
                return einval
            }
            return nil
        }
        // facts §1.4: mfill_get_vma() — no ops, or CONTINUE without get_folio_noalloc → -EINVAL.
        if m.isAnonymous && design.lookup == .file_level {
            // No file, no file-level ops: anonymous memory keeps its core path.
            if mode == .continue {
                t("anonymous memory has no page cache: CONTINUE → -EINVAL")
                return einval
            }
            return nil
        }
        guard let ops = opsFor(m) else {
            t("mfill_get_vma: no uffd_ops → -EINVAL")
            return einval
        }
        if mode == .continue && !ops.getFolio && !m.isHugetlb {
            t("mfill_get_vma: CONTINUE without \(getFolioName) → -EINVAL")
            return einval
        }
        if mode == .continue && !m.shared && !design.continuePrivate {
            t("CONTINUE on a MAP_PRIVATE mapping refused (continue_private=shared_only) → -EINVAL")
            return einval
        }
        if (mode == .copy || mode == .zeropage) && m.shared && m.isModule && !ops.allocHooks && !ops.uffdCopy {
            t("mfill_get_vma: COPY without alloc_folio → -EINVAL")
            return einval
        }
        return nil
    }

    /// `mfill_atomic()`: returns bytes done, or -errno when nothing was done (facts §2.5, §3.1, §3.2).
    mutating func mfillAtomic(_ ci: Int, _ mi0: Int, _ off: Int, _ n: Int, _ mode: FillMode,
                              wp: Bool, src: String, unaligned: Bool, span: Int) -> Int {
        let bytes = world.mappings[mi0].pageBytes
        let dstStart = world.mappings[mi0].base + off
        let wantInode = world.mappings[mi0].inode.map { world.inodes[$0].id }
        var done = 0
        var folio: Folio?
        var err = 0
        outer: while true {
            guard var mi = mfillLock(dstStart, span) else {
                err = -Errno.ENOENT.code
                break
            }
            lock(.mapChanging, .read, "mfill_atomic")
            if world.ctxs[ci].mmapChanging > 0 {
                t("down_read(map_changing_lock): mmap_changing → -EAGAIN")
                err = -Errno.EAGAIN.code
                unlockFill()
                break
            }
            let m = world.mappings[mi]
            let p0 = dstStart - m.base
            if wp && m.modes[p0] & Mode.wp == 0 {
                t("MFILL_ATOMIC_WP on a VMA without VM_UFFD_WP → -EINVAL")
                err = -Errno.EINVAL.code
                unlockFill()
                break
            }
            if let e = supportCheck(m, mode) {
                err = e
                unlockFill()
                break
            }
            if m.isHugetlb {
                if mode == .zeropage {
                    t("mfill_atomic_hugetlb: no huge zeropage → -EINVAL")
                    err = -Errno.EINVAL.code
                    unlockFill()
                    break
                }
                if unaligned {
                    t("mfill_atomic_hugetlb: dst not huge-page aligned → -EINVAL")
                    err = -Errno.EINVAL.code
                    unlockFill()
                    break
                }
            }
            var retry = false
            while done < n {
                let page = p0 + done
                let resident = src != "bad" && !(src == "nonresident" && done == n - 1)
                world.mappings[mi].hasPageTable = true
                let r = mfillPte(ci, &mi, page, mode, wp: wp, srcResident: resident, srcBad: src == "bad",
                                 folio: &folio, dstStart: dstStart, n: n, wantInode: wantInode)
                if r == Machine.retryRequest {
                    retry = true
                    break
                }
                if r != 0 {
                    err = r
                    break
                }
                done += 1
            }
            if retry {
                unlockFill()
                guard var f = folio else {
                    checker.kernelWarning(.bug, "BUG: kernel NULL pointer dereference: mfill_atomic() took -ENOENT as a retry request but *foliop is NULL (kmap_local_folio(NULL))",
                                          at: "mfill_atomic", thread)
                    t("-ENOENT without *foliop: VM_WARN_ON_ONCE(!folio), NULL dereference (facts §3.2 step 5)")
                    err = -Errno.EFAULT.code
                    break
                }
                t("mfill_atomic: -ENOENT → up_read(map_changing_lock), uffd_mfill_unlock(); copy_folio_from_user() with page faults allowed")
                checker.userAccess(thread, at: "copy_folio_from_user")
                runWindow("locks dropped for the -ENOENT retry")
                if src == "bad" {
                    t("copy_from_user still fails → -EFAULT")
                    err = -Errno.EFAULT.code
                    break
                }
                f.filled = true
                folio = f
                t("goto retry: re-take the locks; only checks that a registered VMA still covers dst")
                continue outer
            }
            unlockFill()
            break
        }
        if let f = folio {
            t("folio_put(folio)")
            if let mod = f.fromModule, world.unloaded.contains(mod) {
                checker.kernelWarning(.bug, "BUG: unable to handle page fault: folio_put() of a folio whose module \(mod) was unloaded while the locks were dropped",
                                      at: "mfill_atomic", thread)
            }
        }
        return done > 0 ? done * bytes : err
    }

    /// One page of `mfill_atomic_pte()` under the design; 0, -errno or `retryRequest`.
    mutating func mfillPte(_ ci: Int, _ mi: inout Int, _ page: Int, _ mode: FillMode, wp: Bool, srcResident: Bool,
                           srcBad: Bool, folio: inout Folio?, dstStart: Int, n: Int, wantInode: Int?) -> Int {
        let m = world.mappings[mi]
        switch mode {
        case .poison:
            t("mfill_atomic_pte_poison")
            return poisonPte(mi, page, site: m.isHugetlb ? "hugetlb_mfill_atomic_pte" : "mfill_atomic_pte_poison")
        case .continue:
            if m.isHugetlb { return hugetlbPte(mi, page, mode, wp: wp, srcResident: srcResident, folio: &folio) }
            return continuePte(mi, page, wp: wp)
        case .copy, .zeropage:
            break
        }
        if m.isHugetlb { return hugetlbPte(mi, page, mode, wp: wp, srcResident: srcResident, folio: &folio) }
        if !m.shared {
            // facts §4 S13: private mappings always get anonymous memory.
            let who = design.capabilities == .handlers ? "anon_uffd_ops" : "mfill_atomic_pte_\(mode.rawValue)"
            if mode == .zeropage {
                t("\(who): map the zero page")
                if let ino = m.inode, page >= world.inodes[ino].size {
                    t("mfill_file_over_size → -EFAULT")
                    return -Errno.EFAULT.code
                }
                if m.ptes[page].state != .none {
                    // mfill_atomic_pte_zeropage() wants pte_none(): even a marker is -EEXIST.
                    t("mfill_atomic_pte_zeropage: PTE not none (markers included) → -EEXIST")
                    return -Errno.EEXIST.code
                }
                let r = install(mi, page, inCache: false, anon: true, wp: wp, site: "mfill_atomic_pte_zeropage", wantInode: nil)
                // mfill_atomic_pte_zeropage() maps my_zero_pfn(): a special PTE without a folio.
                if r == 0 { world.mappings[mi].ptes[page].zeroPage = true }
                return r
            }
            let site = design.capabilities == .handlers ? "anon_uffd_ops->alloc_folio" : "mfill_atomic_pte_copy"
            t("\(site) (private mapping → anonymous memory, the page cache is not filled)")
            let c = copyStage(ci, &mi, folio: &folio, srcResident: srcResident, srcBad: srcBad, module: nil,
                              allocSite: site, dstStart: dstStart, n: n)
            if c != 0 { return c }
            folio = nil
            return install(mi, page, inCache: false, anon: true, wp: wp, site: "mfill_atomic_install_pte", wantInode: nil)
        }
        let ops = opsFor(m, quiet: true)
        if m.isShmem {
            switch design.delegation {
            case .core:
                return shmemMfill(ci, &mi, page, mode, wp: wp, srcResident: srcResident, srcBad: srcBad, folio: &folio,
                                  site: "shmem_mfill_atomic_pte (hard-coded in mm/)", dstStart: dstStart, n: n, wantInode: wantInode)
            case .uffd_copy:
                return shmemMfill(ci, &mi, page, mode, wp: wp, srcResident: srcResident, srcBad: srcBad, folio: &folio,
                                  site: "shmem_uffd_ops->\(copyHookName)\(ctxArg) = shmem_mfill_atomic_pte", dstStart: dstStart, n: n, wantInode: wantInode)
            case .alloc_hooks:
                return hooksFill(ci, &mi, page, mode, wp: wp, srcResident: srcResident, srcBad: srcBad, folio: &folio,
                                 opsName: "shmem_uffd_ops", module: nil, dstStart: dstStart, n: n, wantInode: wantInode)
            }
        }
        guard let o = ops else {
            t("no ops → -EINVAL")
            return -Errno.EINVAL.code
        }
        if o.allocHooks {
            return hooksFill(ci, &mi, page, mode, wp: wp, srcResident: srcResident, srcBad: srcBad, folio: &folio,
                             opsName: o.name, module: m.driver, dstStart: dstStart, n: n, wantInode: wantInode)
        }
        if o.uffdCopy {
            return moduleUffdCopy(ci, &mi, page, mode, wp: wp, srcResident: srcResident, srcBad: srcBad, folio: &folio,
                                  ops: o, dstStart: dstStart, n: n, wantInode: wantInode)
        }
        checker.kernelWarning(.warnOn, "WARN_ON_ONCE(!uffd_ops || !uffd_ops->\(copyHookName)) in mfill_atomic_pte", at: "mfill_atomic_pte", thread)
        t("WARN_ON_ONCE(!ops->\(copyHookName)) → -EINVAL")
        return -Errno.EINVAL.code
    }

    var ctxArg: String { design.handlerGetsCtx ? "(ctx, …)" : "" }

    /// Allocation plus atomic copy; on failure either asks for the -ENOENT retry or runs the
    /// snapshot retry (facts §3.2). Returns 0, -errno or `retryRequest`.
    mutating func copyStage(_ ci: Int, _ mi: inout Int, folio: inout Folio?, srcResident: Bool, srcBad: Bool,
                            module: String?, allocSite: String, dstStart: Int, n: Int) -> Int {
        if let f = folio, f.filled {
            t("*foliop set: consume the folio copied outside the locks")
            return 0
        }
        checker.mightSleep(thread, at: allocSite, what: "folio allocation with GFP_KERNEL")
        var f = Folio(fromModule: module, filled: false)
        checker.pagefaultsDisabled.insert(thread)
        checker.userAccess(thread, at: "copy_from_user (pagefault_disable)")
        checker.pagefaultsDisabled.remove(thread)
        if srcResident {
            t("pagefault_disable(); copy_from_user() succeeds")
            f.filled = true
            folio = f
            return 0
        }
        t("pagefault_disable(); copy_from_user() fails: source page not resident")
        if design.retry == .enoentFoliop {
            t("return -ENOENT with *foliop = folio (the retry protocol)")
            folio = f
            return Machine.retryRequest
        }
        folio = f
        let r = snapshotRetry(ci, &mi, srcBad: srcBad, dstStart: dstStart, n: n)
        if r != 0 { return r }
        folio?.filled = true
        return 0
    }

    /// Mike's `mfill_copy_folio_retry()` (facts §1.4, §3.2 "new protocol").
    mutating func snapshotRetry(_ ci: Int, _ mi: inout Int, srcBad: Bool, dstStart: Int, n: Int) -> Int {
        let m = world.mappings[mi]
        let p = dstStart - m.base
        let snapFlags = (m.modes[p], m.shared, m.mayWrite)
        let snapInode = m.inode.map { world.inodes[$0].id }
        pinned[m.driver, default: 0] += 1
        defer { pinned[m.driver, default: 1] -= 1 }
        t("mfill_copy_folio_retry: snapshot vm_flags + vm_file (get_file), mfill_put_vma()")
        unlockFill()
        checker.userAccess(thread, at: "mfill_copy_folio_retry")
        t("copy_from_user() with page faults allowed, no locks held")
        runWindow("locks dropped in mfill_copy_folio_retry")
        if srcBad {
            t("copy_from_user still fails → -EFAULT")
            return -Errno.EFAULT.code
        }
        guard let nmi = mfillLock(dstStart, n) else {
            t("mfill_get_vma → -ENOENT")
            return -Errno.ENOENT.code
        }
        lock(.mapChanging, .read, "mfill_get_vma")
        if world.ctxs[ci].mmapChanging > 0 {
            t("mfill_get_vma: mmap_changing → -EAGAIN")
            return -Errno.EAGAIN.code
        }
        let nm = world.mappings[nmi]
        let np = dstStart - nm.base
        let nInode = nm.inode.map { world.inodes[$0].id }
        if (nm.modes[np], nm.shared, nm.mayWrite) != snapFlags || nInode != snapInode {
            t("snapshot differs (VMA flags or file changed while unlocked) → -EINVAL")
            return -Errno.EINVAL.code
        }
        mi = nmi
        t("snapshot unchanged; mfill_establish_pmd()")
        return 0
    }

    /// `mfill_atomic_install_pte()`: PTL, i_size check for page-cache folios, PTE must be none.
    mutating func install(_ mi: Int, _ page: Int, inCache: Bool, anon: Bool, wp: Bool, site: String, wantInode: Int?) -> Int {
        lock(.ptl, .write, site)
        defer { unlock(.ptl, site) }
        let m = world.mappings[mi]
        if let ino = m.inode, page >= world.inodes[ino].size {
            // The i_size check covers every file-backed VMA, MAP_PRIVATE included (measured on 6.18).
            t("\(site): pgoff beyond i_size under the PTL → -EFAULT")
            return -Errno.EFAULT.code
        }
        let pte = m.ptes[page]
        if pte.state == .present {
            // pte_none_mostly(): uffd-wp and poison markers may be overwritten (facts §2.5).
            t("\(site): PTE not none → -EEXIST")
            return -Errno.EEXIST.code
        }
        if let want = wantInode, let ino = m.inode, world.inodes[ino].id != want {
            checker.kernelWarning(.assertion,
                                  "COPY retried into a different file: the VMA at dst was replaced while the locks were dropped; the data lands in \(m.name) (facts §4 S5)",
                                  at: site, thread)
        }
        world.mappings[mi].ptes[page] = Pte(state: .present, wp: wp, anon: anon)
        t("\(site): set_pte_at\(wp ? " (uffd-wp)" : "")")
        return 0
    }

    /// shmem's `shmem_mfill_atomic_pte()` (mainline, and `uffd_copy` in Peter v2).
    mutating func shmemMfill(_ ci: Int, _ mi: inout Int, _ page: Int, _ mode: FillMode, wp: Bool, srcResident: Bool, srcBad: Bool,
                             folio: inout Folio?, site: String, dstStart: Int, n: Int, wantInode: Int?) -> Int {
        t(site)
        if mode == .copy {
            let c = copyStage(ci, &mi, folio: &folio, srcResident: srcResident, srcBad: srcBad, module: nil,
                              allocSite: "shmem_alloc_folio", dstStart: dstStart, n: n)
            if c != 0 { return c }
        } else {
            checker.mightSleep(thread, at: "shmem_alloc_folio", what: "folio allocation with GFP_KERNEL")
            t("shmem_alloc_folio; clear_user_highpage (ZEROPAGE)")
        }
        folio = nil
        return cacheInstall(mi, page, wp: wp, lockSite: "shmem_mfill_atomic_pte", beyondSizeErr: .EFAULT, wantInode: wantInode)
    }

    /// Lock the new folio, add it to the page cache, install, unlock.
    mutating func cacheInstall(_ mi: Int, _ page: Int, wp: Bool, lockSite: String, beyondSizeErr: Errno, wantInode: Int?) -> Int {
        let m = world.mappings[mi]
        guard let ino = m.inode else { return -Errno.EINVAL.code }
        lock(.folioLock, .write, lockSite)
        if page >= world.inodes[ino].size {
            unlock(.folioLock, lockSite)
            t("pgoff >= i_size → -\(beyondSizeErr.rawValue) (facts §4 S18)")
            return -beyondSizeErr.code
        }
        if world.inodes[ino].cache.contains(page) {
            unlock(.folioLock, lockSite)
            t("add to page cache: a folio is already there → -EEXIST")
            return -Errno.EEXIST.code
        }
        world.inodes[ino].cache.insert(page)
        let r = install(mi, page, inCache: true, anon: false, wp: wp, site: "mfill_atomic_install_pte", wantInode: wantInode)
        if r != 0 {
            world.inodes[ino].cache.remove(page)
            t("install failed: remove the folio from the page cache")
        }
        unlock(.folioLock, "mfill_atomic_install_pte")
        return r
    }

    /// Mike's `alloc_folio` + `filemap_add` hooks (facts §1.4, §3.5).
    mutating func hooksFill(_ ci: Int, _ mi: inout Int, _ page: Int, _ mode: FillMode, wp: Bool, srcResident: Bool, srcBad: Bool,
                            folio: inout Folio?, opsName: String, module: String?, dstStart: Int, n: Int, wantInode: Int?) -> Int {
        let m = world.mappings[mi]
        if folio == nil || mode == .zeropage {
            t("\(opsName)->alloc_folio\(design.handlerGetsCtx ? "(ctx, vma, addr)" : "(vma, addr)")")
            if design.handlerGetsCtx { t("handler re-checks ctx->mmap_changing itself") }
            if let ino = m.inode, page >= world.inodes[ino].size {
                t("alloc_folio returns NULL: pgoff beyond i_size → -ENOMEM (facts §4 S18)")
                return -Errno.ENOMEM.code
            }
        }
        if mode == .copy {
            let c = copyStage(ci, &mi, folio: &folio, srcResident: srcResident, srcBad: srcBad, module: module,
                              allocSite: "\(opsName)->alloc_folio", dstStart: dstStart, n: n)
            if c != 0 { return c }
        }
        folio = nil
        t("\(opsName)->filemap_add(folio, vma, addr): lock the folio, insert into the page cache")
        let r = cacheInstall(mi, page, wp: wp, lockSite: "\(opsName)->filemap_add", beyondSizeErr: .EFAULT, wantInode: wantInode)
        if r != 0 { t("\(opsName)->filemap_remove(folio, vma)") }
        return r
    }

    /// A module's own `uffd_copy()` (Peter v2), including the buggy examples (facts §3.5 row 1).
    mutating func moduleUffdCopy(_ ci: Int, _ mi: inout Int, _ page: Int, _ mode: FillMode, wp: Bool, srcResident: Bool,
                                 srcBad: Bool, folio: inout Folio?, ops: Ops, dstStart: Int, n: Int, wantInode: Int?) -> Int {
        let m = world.mappings[mi]
        let drv = Driver.named(m.driver)
        let bug = (drv?.bugExpressible(design) ?? false) ? drv?.bug : nil
        let fn = "\(m.driver.replacingOccurrences(of: "-", with: "_"))_uffd_copy"
        t("\(ops.name)->\(copyHookName)(\(design.handlerGetsCtx ? "ctx, " : "")dst_pmd, dst_vma, dst_addr, src_addr, flags, foliop) = \(fn)")
        if design.handlerGetsCtx { t("\(fn) re-checks ctx->mmap_changing itself") }
        if bug == .takesMmapLock {
            t("BUG: \(fn) calls mmap_read_lock(mm) with the VMA/mmap lock already held (facts §4 S8)")
            lock(.mmapLock, .read, fn)
            unlock(.mmapLock, fn)
        }
        if bug == .enoentForNonRetry, let ino = m.inode, page >= world.inodes[ino].size {
            t("BUG: \(fn) returns -ENOENT for 'offset beyond my size' without setting *foliop")
            return Machine.retryRequest
        }
        if bug == .sleepsUnderPTL {
            t("BUG: \(fn) takes the PTL and then allocates with GFP_KERNEL (facts §4 S9)")
            lock(.ptl, .write, fn)
            checker.mightSleep(thread, at: fn, what: "folio_alloc(GFP_KERNEL)")
            unlock(.ptl, fn)
        }
        if bug == .faultsOnUserMemory {
            t("BUG: \(fn) calls copy_from_user() with page faults enabled under the VMA lock")
            checker.userAccess(thread, at: fn)
            folio = nil
        } else if let f = folio, f.filled, bug == .leaksRetryFolio {
            t("BUG: on the retry call \(fn) allocates a fresh folio and sets *foliop = NULL without folio_put()")
            checker.kernelWarning(.folioLeak, "folio leaked: \(fn) dropped the retry folio *foliop without folio_put()", at: fn, thread)
            folio = nil
        } else if mode == .copy {
            let c = copyStage(ci, &mi, folio: &folio, srcResident: srcResident, srcBad: srcBad, module: m.driver,
                              allocSite: "\(fn): folio_alloc", dstStart: dstStart, n: n)
            if c != 0 { return c }
        }
        folio = nil
        return cacheInstall(mi, page, wp: wp, lockSite: fn, beyondSizeErr: .EFAULT, wantInode: wantInode)
    }

    /// CONTINUE: get the page-cache folio (locked) and map it (facts §1.4, §2.5, §3.1 step 5).
    mutating func continuePte(_ mi: Int, _ page: Int, wp: Bool) -> Int {
        let m = world.mappings[mi]
        guard let ino = m.inode else { return -Errno.EINVAL.code }
        let handler: String
        if design.hasOps, let o = opsFor(m, quiet: true) {
            handler = "\(o.name)->\(getFolioName)(inode, pgoff)"
            if !o.getFolio {
                checker.kernelWarning(.warnOn, "WARN_ON_ONCE(!uffd_ops->\(getFolioName)): \(o.name) advertises _UFFDIO_CONTINUE without a handler",
                                      at: "mfill_atomic_pte_continue", thread)
                t("WARN_ON_ONCE(!ops->\(getFolioName)) → -EINVAL")
                return -Errno.EINVAL.code
            }
        } else {
            handler = "shmem_get_folio(inode, pgoff, SGP_NOALLOC)"
        }
        t(handler)
        if page >= world.inodes[ino].size {
            if design.capabilities == .handlers && design.hasOps {
                t("returns NULL beyond i_size → -EFAULT")
                return -Errno.EFAULT.code
            }
            t("SGP_NOALLOC beyond i_size → -EINVAL")
            return -Errno.EINVAL.code
        }
        if !world.inodes[ino].cache.contains(page) {
            t("no folio in the page cache → -EFAULT")
            return -Errno.EFAULT.code
        }
        if let w = world.waiters.first(where: { $0.mapping == mi && $0.page == page && $0.heldLocks.contains(.folioLock) }) {
            checker.kernelWarning(.deadlock,
                                  "*** DEADLOCK ***: \(handler) waits for the folio lock that \(w.thread) holds while it sleeps in handle_userfault() waiting for this CONTINUE",
                                  at: "folio_lock", thread)
            t("blocked forever on folio_lock (held by the sleeping fault) → killed, -EINTR")
            return -Errno.EINTR.code
        }
        let drv = Driver.named(m.driver)
        let unlockedBug = m.isModule && drv?.bug == .returnsUnlockedFolio && (drv?.bugExpressible(design) ?? false)
        if unlockedBug {
            t("BUG: the handler returns the folio unlocked (contract: locked and referenced)")
        } else {
            lock(.folioLock, .write, handler)
        }
        if world.inodes[ino].poisoned.contains(page) {
            unlock(.folioLock, "mfill_atomic_pte_continue")
            t("page is hw-poisoned → -EIO")
            return -Errno.EIO.code
        }
        let r = install(mi, page, inCache: true, anon: false, wp: wp, site: "mfill_atomic_install_pte", wantInode: nil)
        unlock(.folioLock, "mfill_atomic_pte_continue: folio_unlock")
        return r
    }

    /// POISON refuses any non-none PTE, markers included (facts §2.5 row "dst PTE not none").
    mutating func poisonPte(_ mi: Int, _ page: Int, site: String) -> Int {
        lock(.ptl, .write, site)
        defer { unlock(.ptl, site) }
        if !world.mappings[mi].isHugetlb, let ino = world.mappings[mi].inode, page >= world.inodes[ino].size {
            t("mfill_file_over_size → -EFAULT")
            return -Errno.EFAULT.code
        }
        if world.mappings[mi].ptes[page].state != .none {
            t("POISON refuses to overwrite any PTE, even a marker → -EEXIST")
            return -Errno.EEXIST.code
        }
        world.mappings[mi].ptes[page] = Pte(state: .poison)
        t("install a poison marker")
        return 0
    }

    /// `mfill_atomic_hugetlb()` per huge page (facts §3.1 step 4); keeps its own -ENOENT retry.
    mutating func hugetlbPte(_ mi: Int, _ page: Int, _ mode: FillMode, wp: Bool, srcResident: Bool, folio: inout Folio?) -> Int {
        lock(.hugetlbFaultMutex, .write, "mfill_atomic_hugetlb")
        lock(.hugetlbVmaLock, .read, "mfill_atomic_hugetlb")
        defer {
            unlock(.hugetlbVmaLock, "mfill_atomic_hugetlb")
            unlock(.hugetlbFaultMutex, "mfill_atomic_hugetlb")
        }
        let m = world.mappings[mi]
        guard let ino = m.inode else { return -Errno.EINVAL.code }
        let pte = m.ptes[page]
        if mode != .continue && pte.state == .present {
            t("hugetlb PTE not none → -EEXIST")
            return -Errno.EEXIST.code
        }
        if (mode == .copy || mode == .continue) && page >= world.inodes[ino].size {
            t("hugetlb_mfill_atomic_pte: idx beyond i_size → -EFAULT")
            return -Errno.EFAULT.code
        }
        switch mode {
        case .copy:
            if m.shared && world.inodes[ino].cache.contains(page) {
                t("hugetlb_mfill_atomic_pte: page already in the hugetlb page cache → -EEXIST")
                return -Errno.EEXIST.code
            }
            if folio == nil || !(folio?.filled ?? false) {
                checker.mightSleep(thread, at: "alloc_hugetlb_folio", what: "huge page allocation")
                if !srcResident {
                    t("hugetlb_mfill_atomic_pte: atomic copy fails → -ENOENT with *foliop (hugetlb keeps this protocol)")
                    folio = Folio(fromModule: nil, filled: false)
                    return Machine.retryRequest
                }
            }
            folio = nil
            lock(.ptl, .write, "hugetlb_mfill_atomic_pte")
            if m.shared { world.inodes[ino].cache.insert(page) }
            world.mappings[mi].ptes[page] = Pte(state: .present, wp: wp, anon: !m.shared)
            unlock(.ptl, "hugetlb_mfill_atomic_pte")
            t("hugetlb_mfill_atomic_pte: set_huge_pte_at")
            return 0
        case .continue:
            if !world.inodes[ino].cache.contains(page) {
                t("hugetlb CONTINUE: no folio in the page cache → -EFAULT")
                return -Errno.EFAULT.code
            }
            if pte.state == .present {
                t("hugetlb PTE not none → -EEXIST")
                return -Errno.EEXIST.code
            }
            lock(.ptl, .write, "hugetlb_mfill_atomic_pte")
            world.mappings[mi].ptes[page] = Pte(state: .present, wp: wp, anon: false)
            unlock(.ptl, "hugetlb_mfill_atomic_pte")
            t("hugetlb CONTINUE: map the page-cache folio")
            return 0
        case .zeropage, .poison:
            return -Errno.EINVAL.code
        }
    }
}
