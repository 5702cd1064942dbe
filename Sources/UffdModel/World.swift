/// The simulated state: one mm with named mappings, inodes with page caches, uffd contexts and
/// pending fault waiters (design §4 "State").
import Foundation

/// One page-table entry at PTE granularity.
struct Pte: Sendable, Hashable {
    enum State: UInt8, Sendable { case none, present, marker, poison }
    var state: State = .none
    /// uffd-wp bit on a present PTE.
    var wp = false
    /// The page is an anonymous (private) page rather than a page-cache page.
    var anon = false
    /// After fork the anonymous page is shared with the child (not PageAnonExclusive).
    var cowShared = false
    /// The PTE maps the shared zero page (`is_zero_pfn()`: a read fault on anonymous memory or
    /// UFFDIO_ZEROPAGE into a private mapping). It has no folio, so fork never makes it
    /// non-AnonExclusive, and UFFDIO_MOVE moves it with `move_zeropage_pte()`.
    var zeroPage = false
}

/// An inode: i_size and which pages are in its page cache.
struct Inode: Sendable, Hashable {
    var size: Int
    var cache: Set<Int> = []
    var poisoned: Set<Int> = []
    /// Bumped when another file replaces the mapping (used by snapshots).
    var id: Int
}

/// A named mapping (one or more VMAs after registration splits it).
struct Mapping: Sendable, Hashable {
    var name: String
    var type: MemType
    var shared: Bool
    var mayWrite: Bool
    var readonlyProt: Bool
    var driver: String
    var base: Int
    var pages: Int
    var inode: Int?
    /// Per page: a VMA still maps it.
    var mapped: [Bool]
    var ptes: [Pte]
    /// Per page: registered uffd ctx index or -1.
    var ctx: [Int]
    /// Per page: VM_UFFD_* bits.
    var modes: [UInt8]
    var anonVMA = false
    /// A PTE table exists for this VMA (mm_find_pmd() succeeds); freed only by munmap.
    var hasPageTable = false
    /// VMA boundaries that never merge back (hugetlb VMAs have a close op; measured on 6.18).
    var splits: Set<Int> = []

    var isHugetlb: Bool { type == .hugetlb }
    /// vma_is_shmem (MAP_SHARED|MAP_ANONYMOUS is shmem too).
    var isShmem: Bool { type == .shmem || (type == .anon && shared) }
    /// vma_is_anonymous: no vm_ops.
    var isAnonymous: Bool { type == .anon && !shared }
    var isModule: Bool { type == .gmem || type == .module }
    var pageBytes: Int { isHugetlb ? 2 * 1024 * 1024 : 4096 }
    var typeName: String {
        switch type {
        case .anon: return shared ? "shmem (shared anonymous)" : "anonymous"
        case .shmem: return "shmem"
        case .hugetlb: return "hugetlb"
        case .file: return "file"
        case .gmem, .module: return "module:\(driver)"
        }
    }
}

/// A userfaultfd context.
struct Ctx: Sendable, Hashable {
    var name: String
    var apiDone = false
    var features: UInt64 = 0
    var mmapChanging = 0
    var events: [Int] = []
    var released = false
}

/// A thread sleeping in handle_userfault().
struct Waiter: Sendable, Hashable {
    var resultIndex: Int
    var thread: String
    var mapping: Int
    var page: Int
    var ctx: Int
    var write: Bool
    var wpFault: Bool
    var read = false
    /// Locks the (buggy) module kept while sleeping.
    var heldLocks: [LockClass] = []
}

/// The whole simulated system.
struct World: Sendable, Hashable {
    var mappings: [Mapping] = []
    var inodes: [Inode] = []
    var ctxs: [Ctx] = [Ctx(name: "uffd0")]
    var waiters: [Waiter] = []
    var unloaded: Set<String> = []
    var nextBase = 0x1000
    var nextInodeId = 1

    func mappingIndex(_ name: String) -> Int? {
        mappings.lastIndex { $0.name == name }
    }

    func ctxIndex(_ name: String) -> Int? { ctxs.firstIndex { $0.name == name } }

    /// The mapping and page that map virtual page `addr`, if any (find_vma).
    func vma(at addr: Int) -> (Int, Int)? {
        for (i, m) in mappings.enumerated() where addr >= m.base && addr < m.base + m.pages {
            let p = addr - m.base
            if m.mapped[p] { return (i, p) }
        }
        return nil
    }

    /// Whether pages [p, p+n) of mapping m lie in one VMA with identical registration (no split in between).
    func singleVMA(_ m: Int, _ p: Int, _ n: Int) -> Bool {
        let map = mappings[m]
        guard p + n <= map.pages else { return false }
        for i in p..<(p + n) {
            if !map.mapped[i] || map.ctx[i] != map.ctx[p] || map.modes[i] != map.modes[p] { return false }
            if i > p && map.splits.contains(i) { return false }
        }
        return true
    }
}
