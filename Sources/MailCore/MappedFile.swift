import Foundation

/// A read-only, private mapping of a whole file. Pages already processed can be handed back
/// (`release(upTo:)`), so reading a large mbox does not keep the whole file resident.
final class MappedFile {
    private let address: UnsafeMutableRawPointer?
    let count: Int
    /// The mapped file's identity when it was opened.
    let identity: InputSource.FileIdentity
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps `path`; nil when the file cannot be mapped (pipes, special files), so callers can
    /// fall back to reading it.
    init?(path: String) {
        // Only a regular file is opened: opening a pipe or FIFO and closing it again would take the
        // reader's end away from the writer (which then dies of SIGPIPE) before it is read.
        var before = stat()
        guard stat(path, &before) == 0, (before.st_mode & S_IFMT) == S_IFREG else { return nil }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        count = Int(st.st_size)
        identity = InputSource.FileIdentity(st)
        if count == 0 {
            address = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        address = p
    }

    deinit {
        if let address { munmap(address, count) }
    }

    /// The mapped bytes (valid while this object lives).
    var bytes: Bytes {
        guard let address else { return Bytes(start: nil, count: 0) }
        return Bytes(start: address.assumingMemoryBound(to: UInt8.self), count: count)
    }

    /// Maps the pages of `range` in one call (`MADV_POPULATE_READ`, Linux 5.14 and later): a
    /// reader about to go through them then takes no page fault per page. Where the kernel lacks
    /// it, the call fails and nothing changes.
    func populate(_ range: Range<Int>) {
        guard let address else { return }
        let page = Self.pageSize
        let start = max(0, range.lowerBound) / page * page
        let end = min(range.upperBound, count)
        guard end > start else { return }
        _ = madvise(address + start, end - start, Self.populateRead)
    }

    /// `MADV_POPULATE_READ` (not in every libc's headers).
    private static let populateRead: Int32 = 22

    /// Releases the pages of `range` (`release`) and maps the next `MailReader.releaseStride`
    /// bytes after it (`populate`): what a reader going forward calls at each stride.
    func advance(past range: Range<Int>) {
        release(range)
        populate(range.upperBound..<(range.upperBound + MailReader.releaseStride))
    }

    /// Drops the resident pages lying wholly inside `range`; touching them again re-reads the file.
    func release(_ range: Range<Int>) {
        guard let address else { return }
        let page = Self.pageSize
        let start = (max(0, range.lowerBound) + page - 1) / page * page
        let end = min(range.upperBound, count) / page * page
        guard end > start else { return }
        _ = madvise(address + start, end - start, Int32(MADV_DONTNEED))
    }
}
