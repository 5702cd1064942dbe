import Foundation

/// Where the raw bytes of an input can be read again, so that a message's full header list is
/// decoded only when someone asks for it (`Message.headers`, `Message.header(_:)`).
///
/// A mapped file is re-read from disk (the file's identity is checked first); in-memory inputs
/// (`parse(bytes:)`, stdin, inflated gzip) keep a reference to their one buffer, shared by all
/// messages of the input. One instance per input: a message holds it with a single reference.
final class InputSource: Sendable {
    /// What identifies an unchanged file: device, inode, size and modification time.
    struct FileIdentity: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int

        init(_ st: stat) {
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            size = Int(st.st_size)
            modifiedSeconds = Int(st.st_mtim.tv_sec)
            modifiedNanoseconds = Int(st.st_mtim.tv_nsec)
        }

        /// The identity of the file at `path` now, or nil when it cannot be examined.
        static func of(path: String) -> FileIdentity? {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            return FileIdentity(st)
        }
    }

    /// Bytes produced by the gzip decoder; never written again once decoding finished.
    struct Inflated: @unchecked Sendable {
        let output: Inflate.Output
    }

    enum Storage: Sendable {
        /// A file on disk, read again on demand while its identity is unchanged.
        case file(path: String, identity: FileIdentity)
        case bytes([UInt8])
        case data(Data)
        case inflated(Inflated)
    }

    let storage: Storage

    init(_ storage: Storage) {
        self.storage = storage
    }

    /// A file source for `path` when its identity can be read (else nil: headers are then kept).
    static func file(_ path: String, identity: FileIdentity?) -> InputSource? {
        guard let identity else { return nil }
        return InputSource(.file(path: path, identity: identity))
    }

    /// Calls `body` with the bytes `range` of the input, or returns nil when they are no longer
    /// available (the file is gone, changed, or shorter).
    func withBytes<R>(_ range: Range<Int>, _ body: (Bytes) -> R) -> R? {
        func slice(_ b: Bytes) -> R? {
            guard range.lowerBound >= 0, range.upperBound <= b.count else { return nil }
            return body(UnsafeBufferPointer(rebasing: b[range]))
        }
        switch storage {
        case .bytes(let a):
            return a.withUnsafeBufferPointer(slice)
        case .data(let d):
            return d.withUnsafeBytes { slice($0.bindMemory(to: UInt8.self)) }
        case .inflated(let i):
            return withExtendedLifetime(i.output) { slice(i.output.buffer) }
        case .file(let path, let identity):
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, FileIdentity(st) == identity, range.upperBound <= identity.size,
                  range.lowerBound >= 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: range.count)
            let complete = buffer.withUnsafeMutableBytes { raw -> Bool in
                guard let base = raw.baseAddress else { return true }
                var done = 0
                while done < raw.count {
                    let n = pread(fd, base + done, raw.count - done, off_t(range.lowerBound + done))
                    if n <= 0 { return false }
                    done += n
                }
                return true
            }
            guard complete else { return nil }
            return buffer.withUnsafeBufferPointer(body)
        }
    }
}

/// A message's header block left undecoded in its input: the byte range of the block and
/// whether mboxrd `>From ` unescaping applies to it.
struct LazyHeaders: Sendable, Equatable {
    let source: InputSource
    let start: Int
    let end: Int
    let unescape: Bool

    static func == (a: LazyHeaders, b: LazyHeaders) -> Bool {
        a.source === b.source && a.start == b.start && a.end == b.end && a.unescape == b.unescape
    }

    /// Runs `body` on the header block (unescaped when needed), or nil when the input is gone.
    private func withBlock<R>(_ body: (Bytes) -> R) -> R? {
        source.withBytes(start..<end) { b -> R in
            guard unescape else { return body(b) }
            var copy: [UInt8] = []
            copy.reserveCapacity(b.count)
            var p = 0
            while p < b.count {
                let next = b.lineEnd(from: p, to: b.count)
                let quoted = b[p] == ASCII.greater && Splitter.isQuotedFrom(b, p, next)
                copy.append(contentsOf: UnsafeBufferPointer(rebasing: b[(quoted ? p + 1 : p)..<next]))
                p = next
            }
            return copy.withUnsafeBufferPointer(body)
        }
    }

    /// Every field, decoded; nil when the input is no longer available.
    func headers() -> [Header]? {
        withBlock { b in HeaderBlock.decodedHeaders(b, start: 0, end: b.count) }
    }

    /// The addresses of the first field of `kind` (`To:` or `Cc:`), parsed as `MessageParser`
    /// parses them: empty when there is no such field, nil when the input is no longer available.
    func addresses(_ kind: FieldKind) -> [Address]? {
        withBlock { b -> [Address] in
            let hb = HeaderBlock.parse(b, start: 0, end: b.count, base: 0)
            guard let h = hb.first(kind) else { return [] }
            return MessageParser.withText(h, b) { AddressParser.parseList(bytes: $0) }
        }
    }

    /// The first field named `name` (ASCII case-insensitive), decoded: `.some(nil)` when there
    /// is none, nil when the input is no longer available.
    func first(_ name: String) -> String?? {
        let want = Array(name.utf8).map(ASCII.lower)
        return withBlock { b -> String? in
            let hb = HeaderBlock.parse(b, start: 0, end: b.count, base: 0)
            for h in hb.headers where h.nameEnd - h.nameStart == want.count {
                var same = true
                for k in 0..<want.count where ASCII.lower(b[h.nameStart + k]) != want[k] { same = false; break }
                guard same else { continue }
                var ignored: [Defect] = []
                return h.withValue(b) { EncodedWords.decode($0, offset: 0, defects: &ignored) }
            }
            return nil
        }
    }
}

/// A message's headers: packed decoded text (built or set by hand) or left in the input.
enum HeaderStore: Sendable {
    case packed(HeaderStorage)
    case lazy(LazyHeaders)
}
