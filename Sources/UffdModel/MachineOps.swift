/// WRITEPROTECT, MOVE, WAKE and the events and lifetime ops (facts §2.2, §3.4, §3.1 step 2).
import Foundation

extension Machine {
    /// UFFDIO_WRITEPROTECT (facts §2.2): WP+DONTWAKE → -EINVAL, mmap_changing → -EAGAIN, a VMA without
    /// VM_UFFD_WP → -ENOENT; markers on none PTEs of file-backed VMAs (or with WP_UNPOPULATED).
    mutating func opWriteprotect(_ s: ScriptStep) -> Outcome {
        let ci: Int
        switch apiCtx(s) {
        case .failure(let e): return .fail(e)
        case .success(let c): ci = c
        }
        if world.ctxs[ci].mmapChanging > 0 {
            t("userfaultfd_writeprotect: mmap_changing → -EAGAIN")
            return .fail(.EAGAIN)
        }
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let m = world.mappings[mi]
        let (off, n) = range(s, m, all: true)
        let words = s.list("mode")
        let enable = words.contains("wp")
        let dontwake = words.contains("dontwake") || s.has("dontwake")
        if n == 0 { return .fail(.EINVAL) }
        if enable && dontwake {
            t("UFFDIO_WRITEPROTECT: MODE_WP together with MODE_DONTWAKE → -EINVAL (facts §2.2)")
            return .fail(.EINVAL)
        }
        if words.contains(where: { $0 != "wp" && $0 != "clear" && $0 != "dontwake" }) { return .fail(.EINVAL) }
        lock(.mmapLock, .read, "mwriteprotect_range")
        lock(.mapChanging, .read, "mwriteprotect_range")
        defer {
            unlock(.mapChanging, "mwriteprotect_range")
            unlock(.mmapLock, "mwriteprotect_range")
        }
        let pages = pageRange(off, n, m.pages).filter { m.mapped[$0] }
        if pages.isEmpty || pages.contains(where: { m.modes[$0] & Mode.wp == 0 }) {
            t("mwriteprotect_range: VMA without VM_UFFD_WP → -ENOENT")
            return .fail(.ENOENT)
        }
        let markers = !m.isAnonymous || world.ctxs[ci].features & UffdFeature.wpUnpopulated != 0
        for p in pages {
            var pte = world.mappings[mi].ptes[p]
            switch pte.state {
            case .present: pte.wp = enable
            case .none: if enable && markers { pte.state = .marker }
            case .marker: if !enable { pte.state = .none }
            case .poison: break
            }
            world.mappings[mi].ptes[p] = pte
        }
        t("uffd_wp_range(\(enable ? "protect" : "unprotect"))\(enable && markers ? ", markers on none PTEs" : "")")
        if !enable && !dontwake { wake(mi, Set(pages), reason: "UFFDIO_WRITEPROTECT clear") }
        return .ok()
    }

    /// UFFDIO_WAKE (facts §2.4): wakes the waiters in the range.
    mutating func opWake(_ s: ScriptStep) -> Outcome {
        switch apiCtx(s) {
        case .failure(let e): return .fail(e)
        case .success: break
        }
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let (off, n) = range(s, world.mappings[mi], all: true)
        if n == 0 { return .fail(.EINVAL) }
        t("userfaultfd_wake")
        wake(mi, Set(off..<(off + n)), reason: "UFFDIO_WAKE")
        return .ok()
    }

    /// UFFDIO_MOVE (facts §3.4).
    mutating func opMove(_ s: ScriptStep) -> Outcome {
        let ci: Int
        switch apiCtx(s) {
        case .failure(let e): return .fail(e)
        case .success(let c): ci = c
        }
        if world.ctxs[ci].mmapChanging > 0 {
            t("userfaultfd_move: mmap_changing → -EAGAIN")
            return .fail(.EAGAIN, ["move": -Errno.EAGAIN.code])
        }
        let words = s.list("mode")
        if words.contains(where: { $0 != "allow_src_holes" && $0 != "dontwake" }) { return .fail(.EINVAL) }
        guard let di = mapping(s, 0), let si = mapping(s, 1) else { return .fail(.EINVAL) }
        let off = s.int("offset", 0)
        let soff = s.int("srcoffset", 0)
        let n = s.int("pages", 1)
        if n == 0 { return .fail(.EINVAL) }
        let dst = world.mappings[di]
        let src = world.mappings[si]
        guard off < dst.pages, dst.mapped[off], soff < src.pages, src.mapped[soff] else {
            t("uffd_move_lock: no VMA → -ENOENT")
            return .fail(.ENOENT, ["move": -Errno.ENOENT.code])
        }
        lock(.vmaLock, .read, "uffd_move_lock (dst)")
        if di != si {
            if s.options["lock"] == "blocking" {
                t("uffd_move_lock: src locked with uffd_lock_vma() (blocking) — the variant the kernel comment warns against")
                lock(.vmaLock, .read, "uffd_lock_vma (src)", nested: true)
            } else {
                t("uffd_move_lock: lock_vma_under_rcu(src) (trylock; falls back to mmap_read_lock on failure)")
                lock(.vmaLock, .read, "lock_vma_under_rcu (src)", nested: true, trylock: true)
            }
        }
        lock(.mapChanging, .read, "move_pages")
        defer {
            unlock(.mapChanging, "move_pages")
            if di != si { unlock(.vmaLock, "uffd_move_unlock (src)") }
            unlock(.vmaLock, "uffd_move_unlock (dst)")
        }
        if dst.shared || src.shared {
            t("move_pages: VM_SHARED VMA → -EINVAL (MOVE is anonymous only)")
            return .fail(.EINVAL, ["move": -Errno.EINVAL.code])
        }
        if !world.singleVMA(di, off, n) || !world.singleVMA(si, soff, n) {
            t("move_pages: range runs past the VMA → -EINVAL")
            return .fail(.EINVAL, ["move": -Errno.EINVAL.code])
        }
        if !dst.isAnonymous || !src.isAnonymous || dst.readonlyProt != src.readonlyProt || dst.ctx[off] != ci {
            t("validate_move_areas: both anonymous, same protection, dst registered with this ctx → -EINVAL")
            return .fail(.EINVAL, ["move": -Errno.EINVAL.code])
        }
        var moved = 0
        var err: Errno?
        for k in 0..<n {
            if !world.mappings[si].hasPageTable {
                // move_pages(): mm_find_pmd(src) fails; only ALLOW_SRC_HOLES allocates it.
                if !words.contains("allow_src_holes") {
                    t("move_pages: no page table for the source → -ENOENT")
                    err = .ENOENT
                    break
                }
                world.mappings[si].hasPageTable = true
            }
            world.mappings[di].hasPageTable = true
            let sp = world.mappings[si].ptes[soff + k]
            let dp = world.mappings[di].ptes[off + k]
            if dp.state != .none {
                t("move_pages_pte: dst populated → -EEXIST (checked before the source)")
                err = .EEXIST
                break
            }
            if sp.state == .poison {
                t("move_pages_pte: source is a poison marker → -EFAULT")
                err = .EFAULT
                break
            }
            if sp.state == .none {
                if words.contains("allow_src_holes") {
                    moved += 1
                    continue
                }
                t("move_pages_pte: source hole → -ENOENT")
                err = .ENOENT
                break
            }
            if sp.zeroPage {
                // move_pages_pte(): is_zero_pfn(src) → move_zeropage_pte(). The zero page has no
                // folio, so the pinned / PageAnonExclusive check below never sees it: after fork it
                // still moves (measured on 6.18: 0, move=4096).
                t("move_pages_pte: source maps the zero page → move_zeropage_pte (no folio to check)")
            } else if sp.cowShared {
                t("move_pages: src folio not PageAnonExclusive (shared after fork) → -EBUSY")
                err = .EBUSY
                break
            }
            lock(.ptl, .write, "double_pt_lock")
            lock(.ptl, .write, "double_pt_lock (spin_lock_nested)", nested: true)
            if !sp.zeroPage { lock(.folioLock, .write, "move_pages_pte: folio_trylock", trylock: true) }
            world.mappings[di].ptes[off + k] = sp
            world.mappings[si].ptes[soff + k] = Pte()
            world.mappings[di].anonVMA = true
            if !sp.zeroPage { unlock(.folioLock, "move_pages_pte") }
            unlock(.ptl, "double_pt_unlock")
            unlock(.ptl, "double_pt_unlock")
            moved += 1
        }
        let bytes = moved * dst.pageBytes
        if moved > 0 {
            t("move_pages: moved \(bytes) bytes")
            if !words.contains("dontwake") { wakeAddresses(dst.base + off, moved, reason: "UFFDIO_MOVE") }
        }
        if let e = err, moved == 0 { return .fail(e, ["move": -e.code]) }
        if moved < n { return .fail(.EAGAIN, ["move": bytes]) }
        return .ok(["move": bytes])
    }

    /// pwrite(2) through the file: fills the page cache without a page fault (i_rwsem, folio lock).
    mutating func opPwrite(_ s: ScriptStep) -> Outcome {
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let m = world.mappings[mi]
        guard let ino = m.inode, m.type == .shmem || m.type == .file || (m.type == .anon && m.shared) else {
            t("pwrite: no write_iter for \(m.typeName) → -EINVAL")
            return .fail(.EINVAL)
        }
        let off = s.int("offset", 0)
        let n = s.int("pages", 1)
        lock(.iRwsem, .write, "generic_file_write_iter")
        for p in off..<(off + n) {
            lock(.folioLock, .write, "write_begin")
            world.inodes[ino].cache.insert(p)
            unlock(.folioLock, "write_end")
        }
        world.inodes[ino].size = max(world.inodes[ino].size, off + n)
        unlock(.iRwsem, "generic_file_write_iter")
        t("pwrite: \(n) page(s) into the page cache at pgoff \(off) (no page fault)")
        return .ok(result: n * 4096)
    }

    /// Raises a non-cooperative event on every ctx registered on `pages` that asked for it
    /// (facts §3.1 step 2: `mmap_changing` incremented under `map_changing_lock` write).
    mutating func raiseEvent(_ mi: Int, _ pages: [Int], feature: UInt64, code: Int, name: String, site: String) {
        let m = world.mappings[mi]
        let ctxs = Set(pages.map { m.ctx[$0] }.filter { $0 >= 0 })
        for ci in ctxs.sorted() where world.ctxs[ci].features & feature != 0 {
            lock(.mapChanging, .write, site)
            world.ctxs[ci].mmapChanging += 1
            world.ctxs[ci].events.append(code)
            unlock(.mapChanging, site)
            t("\(site): \(name) queued on \(world.ctxs[ci].name), mmap_changing = \(world.ctxs[ci].mmapChanging)")
        }
    }

    /// fork (facts §3.1 step 2, §4 S21): EVENT_FORK raises mmap_changing until the event is read;
    /// anonymous pages become shared with the child (MOVE then gives -EBUSY, facts §3.4).
    mutating func opFork() -> Outcome {
        lock(.mmapLock, .write, "dup_mmap")
        lock(.vmaLock, .write, "dup_mmap: vma_start_write")
        var seen: Set<Int> = []
        for (mi, m) in world.mappings.enumerated() {
            for ci in Set(m.ctx.filter { $0 >= 0 }) where !seen.contains(ci) {
                seen.insert(ci)
                if world.ctxs[ci].features & UffdFeature.eventFork != 0 {
                    lock(.mapChanging, .write, "dup_userfaultfd")
                    world.ctxs[ci].mmapChanging += 1
                    world.ctxs[ci].events.append(0x13)
                    unlock(.mapChanging, "dup_userfaultfd")
                    t("dup_userfaultfd: UFFD_EVENT_FORK on \(world.ctxs[ci].name), mmap_changing = \(world.ctxs[ci].mmapChanging)")
                } else {
                    t("dup_userfaultfd: \(world.ctxs[ci].name) has no EVENT_FORK: the child's VMAs lose the registration")
                }
            }
            // copy_present_pte(): an anonymous folio loses PageAnonExclusive; a zero-page PTE has no folio.
            for p in 0..<m.pages where m.ptes[p].state == .present && m.ptes[p].anon && !m.ptes[p].zeroPage {
                world.mappings[mi].ptes[p].cowShared = true
            }
        }
        unlock(.vmaLock, "dup_mmap")
        unlock(.mmapLock, "dup_mmap")
        t("fork: anonymous pages are now shared copy-on-write with the child")
        return .ok()
    }

    /// mremap (facts §4 S4): EVENT_REMAP keeps the registration and raises mmap_changing, else the VMA is unregistered.
    mutating func opMremap(_ s: ScriptStep) -> Outcome {
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let m = world.mappings[mi]
        // The VMAs in the old range, in address order (holes skipped).
        var runs: [[Int]] = []
        for p in 0..<m.pages where m.mapped[p] {
            if let last = runs.last?.last, last == p - 1, world.singleVMA(mi, last, 2) {
                runs[runs.count - 1].append(p)
            } else {
                runs.append([p])
            }
        }
        if runs.isEmpty {
            t("mremap: nothing mapped at the old address → -EFAULT")
            return .fail(.EFAULT)
        }
        if !m.mapped[0] {
            // The old address itself must lie in a VMA: vma_lookup(addr) for a single-VMA move, and
            // remap_move() ("the first VMA must always span the address range") for the 6.17+
            // multi-VMA move. A range that starts in a hole moves nothing (measured on 6.18: EFAULT).
            t("mremap: no VMA at the old start address (the range starts in a hole) → -EFAULT")
            return .fail(.EFAULT)
        }
        lock(.mmapLock, .write, "mremap")
        defer { unlock(.mmapLock, "mremap") }
        if runs.count > 1 || runs[0].count < m.pages {
            // 6.17+: MREMAP_FIXED over anything but one whole VMA moves the VMAs one by one,
            // skipping holes; a uffd-armed VMA stops it (measured on 6.18).
            var moved: [Int] = []
            for run in runs {
                if run.contains(where: { m.ctx[$0] >= 0 }) {
                    if !moved.isEmpty { splitOff(mi, moved) }
                    t("mremap: multi-VMA move reaches a userfaultfd-registered VMA → -EFAULT (\(moved.count) page(s) already moved)")
                    return .fail(.EFAULT)
                }
                moved += run
            }
            t("mremap: \(runs.count) VMA(s) moved one by one, holes skipped")
            world.mappings[mi].base = world.nextBase
            world.nextBase += m.pages + 0x100
            return .ok()
        }
        lock(.vmaLock, .write, "move_vma: vma_start_write")
        defer { unlock(.vmaLock, "mremap") }
        let pages = runs[0]
        let ctxs = Set(pages.map { m.ctx[$0] }.filter { $0 >= 0 })
        for ci in ctxs.sorted() {
            if world.ctxs[ci].features & UffdFeature.eventRemap != 0 {
                lock(.mapChanging, .write, "mremap_userfaultfd_prep")
                world.ctxs[ci].mmapChanging += 1
                world.ctxs[ci].events.append(0x14)
                unlock(.mapChanging, "mremap_userfaultfd_prep")
                t("mremap_userfaultfd_prep: UFFD_EVENT_REMAP on \(world.ctxs[ci].name), mmap_changing = \(world.ctxs[ci].mmapChanging)")
            } else {
                for p in pages where m.ctx[p] == ci {
                    world.mappings[mi].ctx[p] = -1
                    world.mappings[mi].modes[p] = 0
                }
                t("mremap_userfaultfd_prep: no EVENT_REMAP → the moved VMA is unregistered")
            }
        }
        world.mappings[mi].base = world.nextBase
        world.nextBase += m.pages + 0x100
        t("mremap(MREMAP_MAYMOVE|MREMAP_FIXED): \(m.name) moved; nothing is mapped at the old address")
        return .ok()
    }

    /// Moves `pages` of mapping `mi` to a new address as a separate mapping (a half-done multi-VMA mremap).
    mutating func splitOff(_ mi: Int, _ pages: [Int]) {
        var moved = world.mappings[mi]
        moved.name = "\(moved.name)(moved)"
        moved.base = world.nextBase
        world.nextBase += moved.pages + 0x100
        moved.mapped = (0..<moved.pages).map { pages.contains($0) && moved.mapped[$0] }
        for p in pages { world.mappings[mi].mapped[p] = false }
        world.mappings.append(moved)
    }

    /// munmap of pages [off, off+n) with EVENT_UNMAP (facts §3.1 step 2).
    mutating func unmapPages(_ mi: Int, _ off: Int, _ n: Int, site: String) {
        lock(.mmapLock, .write, site)
        lock(.vmaLock, .write, "\(site): vma_start_write")
        let m = world.mappings[mi]
        let pages = pageRange(off, n, m.pages).filter { m.mapped[$0] }
        raiseEvent(mi, pages, feature: UffdFeature.eventUnmap, code: 0x16, name: "UFFD_EVENT_UNMAP", site: "userfaultfd_unmap_prep")
        if pages.count == m.mapped.filter({ $0 }).count { world.mappings[mi].hasPageTable = false }
        for p in pages {
            world.mappings[mi].mapped[p] = false
            world.mappings[mi].ptes[p] = Pte()
            world.mappings[mi].ctx[p] = -1
            world.mappings[mi].modes[p] = 0
        }
        unlock(.vmaLock, site)
        unlock(.mmapLock, site)
    }

    /// munmap (facts §3.1 step 2): EVENT_UNMAP raises mmap_changing.
    mutating func opMunmap(_ s: ScriptStep) -> Outcome {
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let (off, n) = range(s, world.mappings[mi], all: true)
        if n == 0 { return .fail(.EINVAL) }
        unmapPages(mi, off, n, site: "do_vmi_munmap")
        t("munmap \(world.mappings[mi].name) pages \(off)..<\(off + n)")
        return .ok()
    }

    /// madvise DONTNEED/REMOVE (facts §3.1 step 2): userfaultfd_remove() raises EVENT_REMOVE.
    mutating func opMadvise(_ s: ScriptStep) -> Outcome {
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        let m = world.mappings[mi]
        let nums = s.words.compactMap { Int($0) }
        let off = nums.count > 0 ? nums[0] : s.int("offset", 0)
        let n = nums.count > 1 ? nums[1] : s.int("pages", max(m.pages - off, 0))
        let remove = s.has("remove")
        if n == 0 {
            t("madvise: len 0 → 0")
            return .ok()
        }
        let pages = pageRange(off, n, m.pages).filter { m.mapped[$0] }
        let hole = pages.count < n
        if pages.isEmpty {
            t("madvise: nothing mapped in the range → -ENOMEM")
            return .fail(.ENOMEM)
        }
        if remove && m.inode == nil {
            t("madvise(MADV_REMOVE): no file → -EINVAL")
            return .fail(.EINVAL)
        }
        if remove && (!m.shared || !m.mayWrite) {
            t("madvise(MADV_REMOVE): not a shared writable mapping → -EACCES")
            return .fail(.EACCES)
        }
        lock(.mmapLock, .read, "madvise")
        raiseEvent(mi, pages, feature: UffdFeature.eventRemove, code: 0x15, name: "UFFD_EVENT_REMOVE", site: "userfaultfd_remove")
        for p in pages {
            // Zapping keeps uffd-wp markers; poison markers survive MADV_REMOVE (a hole punch
            // does not zap COWs) but not MADV_DONTNEED (measured on 6.18).
            let st = world.mappings[mi].ptes[p].state
            if st != .marker && !(remove && st == .poison) { world.mappings[mi].ptes[p] = Pte() }
            if remove, let ino = m.inode { world.inodes[ino].cache.remove(p) }
        }
        unlock(.mmapLock, "madvise")
        t("madvise(\(remove ? "MADV_REMOVE: punch a hole in the page cache" : "MADV_DONTNEED: zap the PTEs"))")
        if hole {
            t("madvise: part of the range is unmapped → -ENOMEM")
            return .fail(.ENOMEM)
        }
        return .ok()
    }

    /// ftruncate: i_size shrinks, page cache and PTEs beyond it go (i_rwsem → i_mmap_rwsem → PTL, facts §3).
    mutating func opTruncate(_ s: ScriptStep) -> Outcome {
        guard let mi = mapping(s) else { return .fail(.EINVAL) }
        guard let ino = world.mappings[mi].inode else {
            t("ftruncate: anonymous memory has no file → -EINVAL")
            return .fail(.EINVAL)
        }
        let size = s.int("pages", 0)
        lock(.iRwsem, .write, "do_truncate")
        lock(.iMmapRwsem, .read, "unmap_mapping_range")
        lock(.ptl, .write, "zap_pte_range")
        for (i, m) in world.mappings.enumerated() where m.inode == ino {
            for p in 0..<m.pages where p >= size { world.mappings[i].ptes[p] = Pte() }
        }
        unlock(.ptl, "zap_pte_range")
        unlock(.iMmapRwsem, "unmap_mapping_range")
        lock(.folioLock, .write, "truncate_inode_pages_range")
        world.inodes[ino].cache = world.inodes[ino].cache.filter { $0 < size }
        unlock(.folioLock, "truncate_inode_pages_range")
        world.inodes[ino].size = size
        unlock(.iRwsem, "do_truncate")
        t("truncate: i_size = \(size) page(s); page cache and PTEs beyond dropped")
        return .ok()
    }

    /// close(uffd) (facts §3.3, §4 S22): released, registrations cleared, every waiter woken; retried faults see no ctx.
    mutating func opClose(_ s: ScriptStep) -> Outcome {
        let ci: Int
        switch ctxOf(s) {
        case .failure(let e): return .fail(e)
        case .success(let c): ci = c
        }
        world.ctxs[ci].released = true
        t("userfaultfd_release: ctx->released = true")
        lock(.mmapLock, .write, "userfaultfd_release")
        lock(.vmaLock, .write, "userfaultfd_release: vma_start_write")
        for (mi, m) in world.mappings.enumerated() {
            for p in 0..<m.pages where m.ctx[p] == ci {
                world.mappings[mi].ctx[p] = -1
                world.mappings[mi].modes[p] = 0
                if world.mappings[mi].ptes[p].state == .marker { world.mappings[mi].ptes[p].state = .none }
            }
        }
        unlock(.vmaLock, "userfaultfd_release")
        unlock(.mmapLock, "userfaultfd_release")
        t("userfaultfd_release: registrations cleared; wake every waiter")
        world.ctxs[ci].mmapChanging = 0
        world.ctxs[ci].events = []
        wake(-1, [], reason: "close", ctx: ci)
        return .ok()
    }

    /// Module unload: refused while a VMA (vm_file) or a retry snapshot (get_file) pins the module.
    mutating func opUnload(_ s: ScriptStep) -> Outcome {
        let name = s.words[0].lowercased()
        if let m = world.mappings.first(where: { $0.driver == name && $0.mapped.contains(true) }) {
            t("delete_module(\(name)): refcount held by vm_file of \(m.name) → -EWOULDBLOCK")
            return .fail(.EAGAIN)
        }
        if (pinned[name] ?? 0) > 0 {
            t("delete_module(\(name)): get_file() taken by mfill_copy_folio_retry pins it → -EWOULDBLOCK")
            return .fail(.EAGAIN)
        }
        world.unloaded.insert(name)
        t("delete_module(\(name)): unloaded")
        return .ok()
    }

    /// read(uffd): pending faults first, then non-cooperative events; reading one completes it (facts §3.1 step 2).
    mutating func opReadEvent(_ s: ScriptStep) -> Outcome {
        let ci: Int
        switch ctxOf(s) {
        case .failure(let e): return .fail(e)
        case .success(let c): ci = c
        }
        if !world.ctxs[ci].apiDone {
            t("userfaultfd_read_iter before UFFDIO_API → -EINVAL")
            return .fail(.EINVAL)
        }
        if let wi = world.waiters.firstIndex(where: { $0.ctx == ci && !$0.read }) {
            world.waiters[wi].read = true
            t("read: UFFD_EVENT_PAGEFAULT for \(world.mappings[world.waiters[wi].mapping].name)+\(world.waiters[wi].page)")
            return .ok(["event": 0x12], result: 32)
        }
        if !world.ctxs[ci].events.isEmpty {
            let code = world.ctxs[ci].events.removeFirst()
            world.ctxs[ci].mmapChanging = max(0, world.ctxs[ci].mmapChanging - 1)
            t("read: event 0x\(String(code, radix: 16)); userfaultfd_event_complete → mmap_changing = \(world.ctxs[ci].mmapChanging)")
            return .ok(["event": code], result: 32)
        }
        t("read: nothing pending (O_NONBLOCK) → -EAGAIN")
        return .fail(.EAGAIN)
    }
}
