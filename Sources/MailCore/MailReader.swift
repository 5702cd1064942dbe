import Foundation

/// A hard input error: the input cannot be read as mail at all. Names the file and a byte offset.
public struct MailInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The closed set of reasons.
    public enum Kind: String, Sendable, Equatable, Codable {
        case fileNotFound
        case unreadable
        case notMaildir
        case noMessages
        case notMail
        case corruptGzip
    }

    public var kind: Kind
    /// The path (or `-` for stdin) as given.
    public var file: String
    /// Byte offset in the (decompressed) input where the problem was found.
    public var offset: Int
    /// A short human explanation.
    public var detail: String

    public init(kind: Kind, file: String, offset: Int, detail: String) {
        self.kind = kind
        self.file = file
        self.offset = offset
        self.detail = detail
    }

    /// `file: detail (at byte N)`, one line.
    public var description: String {
        offset > 0 ? "\(file): \(detail) (at byte \(offset))" : "\(file): \(detail)"
    }
}

/// Reads mail into a `Mailbox`.
///
/// Pipeline stages:
/// 1. **Input**: a file (mapped, not copied), a Maildir directory (`cur/` and `new/`), or stdin
///    (`-`); gzip is recognised by its magic bytes and inflated in pure Swift (`Inflate`).
/// 2. **Format detection and splitting** (`Splitter`), on bytes: mbox variants by git's strict
///    `From ` separator rule (so an unescaped `From ` in a body never splits), mboxrd when
///    `>>From ` lines occur, mboxcl/cl2 when `Content-Length` points at the next separator,
///    a single RFC 5322 message, a leading non-mail preamble skipped with a defect, or a
///    list-archive text rendering (`webArchiveText`).
/// 3. **Message parsing** (`MessageParser`): header unfolding, raw 8-bit text, RFC 2047 words,
///    addresses, dates, identifiers; the MIME walk (`MimeWalker`) with transfer encodings,
///    charsets, format=flowed, CRLF and NUL handling. Oddities become `Defect`s with byte offsets.
/// 4. **Collapse and thread**: duplicate Message-IDs keep the first copy (defect recorded), then
///    JWZ threading (`Threader`).
///
/// Only unusable inputs throw `MailInputError`; malformed mail never does.
public enum MailReader {
    /// Reads a file, a Maildir directory, or stdin when `path` is `-`.
    public static func read(path: String) throws(MailInputError) -> Mailbox {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return try parseChecked(data: data, source: "-", input: InputSource(.data(data)))
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw MailInputError(kind: .fileNotFound, file: path, offset: 0, detail: "no such file or directory")
        }
        if isDir.boolValue { return try readMaildir(path: path) }
        if let mapped = MappedFile(path: path) {
            return try parseMapped(mapped, source: path)
        }
        let data = try load(path)
        return try parseChecked(data: data, source: path, input: InputSource(.data(data)))
    }

    /// Bytes processed between hand-backs of mapped pages.
    static let releaseStride = 4 << 20

    private static func parseMapped(_ mapped: MappedFile, source: String) throws(MailInputError) -> Mailbox {
        let b = mapped.bytes
        if Inflate.isGzip(b) { return try parseBuffer(b, source: source, input: nil) }
        let input = InputSource(.file(path: source, identity: mapped.identity))
        let split: Splitter.Result
        // Both passes go forward through the file a stride at a time: pages behind are handed
        // back, the next stride's are mapped in one call (no fault per page, twice over).
        mapped.populate(0..<releaseStride)
        do { split = try Splitter.split(b, release: mapped.advance) } catch { throw rejection(error, source: source) }
        var messages: [Message] = []
        messages.reserveCapacity(split.spans.count)
        var lastRelease = 0
        let interner = Interner()
        mapped.populate(0..<releaseStride)
        for index in split.spans.indices {
            let span = split.spans[index]
            messages.append(message(b, split, index, source: input, interner: interner))
            if span.end - lastRelease > releaseStride {
                mapped.advance(past: lastRelease..<span.end)
                lastRelease = span.end
            }
        }
        return assemble(source: source, format: split.format, messages: messages, defects: split.defects)
    }

    /// Parses bytes already in memory. Never throws: an unusable input gives an empty mailbox
    /// whose `defects` say why.
    public static func parse(bytes: [UInt8], source: String) -> Mailbox {
        do {
            return try bytes.withUnsafeBufferPointer { (b: Bytes) throws(MailInputError) in
                try parseBuffer(b, source: source, input: InputSource(.bytes(bytes)))
            }
        } catch {
            return Mailbox(source: source, format: .singleMessage, messages: [], threads: [],
                           defects: [Defect(kind: .other, offset: error.offset, detail: error.detail)])
        }
    }

    /// Like `parse(bytes:source:)` but reports an unusable input as a `MailInputError`.
    public static func parseChecked(bytes: [UInt8], source: String) throws(MailInputError) -> Mailbox {
        try bytes.withUnsafeBufferPointer { (b: Bytes) throws(MailInputError) in
            try parseBuffer(b, source: source, input: InputSource(.bytes(bytes)))
        }
    }

    /// Streams the messages of a file one by one (no threading, no duplicate collapsing), so a
    /// large mbox never needs all its messages in memory. Returns the detected format.
    @discardableResult
    public static func forEachMessage(path: String, _ body: (Message) throws -> Void) throws -> InputFormat {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MailInputError(kind: .unreadable, file: path, offset: 0, detail: "permission denied")
        }
        if let mapped = MappedFile(path: path), !Inflate.isGzip(mapped.bytes) {
            return try stream(mapped.bytes, source: path, input: InputSource(.file(path: path, identity: mapped.identity)),
                              release: mapped.release, body)
        }
        let data = try load(path)
        return try data.withUnsafeBytes { raw -> InputFormat in
            let b = raw.bindMemory(to: UInt8.self)
            if Inflate.isGzip(b) {
                let (out, failure) = Inflate.gunzip(b)
                if out.count == 0, let f = failure {
                    throw MailInputError(kind: .corruptGzip, file: path, offset: f.offset, detail: "corrupt gzip: \(f.detail)")
                }
                return try withExtendedLifetime(out) {
                    try stream(out.buffer, source: path, input: InputSource(.inflated(.init(output: out))), body)
                }
            }
            return try stream(b, source: path, input: InputSource(.data(data)), body)
        }
    }

    /// Message boundaries only, with no header or body parsing: what `git mailsplit` does. For
    /// tools that index or hand out raw messages, and for measuring the splitter alone.
    /// - Parameter path: an mbox-like file (not a Maildir; gzip is inflated first).
    /// - Returns: the detected format and each message's byte range, separator line included.
    /// - Throws: `MailInputError` for an unreadable, empty or non-mail file.
    public static func messageRanges(path: String) throws(MailInputError) -> (format: InputFormat, ranges: [Range<Int>]) {
        func ranges(_ b: Bytes, release: ((Range<Int>) -> Void)?) throws(MailInputError) -> (format: InputFormat, ranges: [Range<Int>]) {
            let split: Splitter.Result
            do { split = try Splitter.split(b, release: release) } catch { throw rejection(error, source: path) }
            return (split.format, split.spans.map { $0.start..<$0.end })
        }
        if let mapped = MappedFile(path: path), !Inflate.isGzip(mapped.bytes) {
            return try ranges(mapped.bytes, release: mapped.release)
        }
        let data = try load(path)
        let raw = [UInt8](data)
        return try raw.withUnsafeBufferPointer { (b: Bytes) throws(MailInputError) in
            guard Inflate.isGzip(b) else { return try ranges(b, release: nil) }
            let (out, failure) = Inflate.gunzip(b)
            if out.count == 0, let f = failure {
                throw MailInputError(kind: .corruptGzip, file: path, offset: f.offset, detail: "corrupt gzip: \(f.detail)")
            }
            return try withExtendedLifetime(out) { () throws(MailInputError) in try ranges(out.buffer, release: nil) }
        }
    }

    private static func stream(_ b: Bytes, source: String, input: InputSource?, release: ((Range<Int>) -> Void)? = nil,
                               _ body: (Message) throws -> Void) throws -> InputFormat {
        let split: Splitter.Result
        do { split = try Splitter.split(b, release: release) } catch { throw rejection(error, source: source) }
        var lastRelease = 0
        for index in split.spans.indices {
            let span = split.spans[index]
            try body(message(b, split, index, source: input, interner: nil))
            if let release, span.end - lastRelease > releaseStride {
                release(lastRelease..<span.end)
                lastRelease = span.end
            }
        }
        return split.format
    }

    private static func load(_ path: String) throws(MailInputError) -> Data {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MailInputError(kind: .unreadable, file: path, offset: 0, detail: "permission denied")
        }
        // A pipe, FIFO or character device (`patchlab parse <(zcat thread.mbox.gz)`) cannot be
        // mapped or sized: it is read to its end as a stream.
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw MailInputError(kind: .unreadable, file: path, offset: 0, detail: "cannot open")
            }
            defer { try? handle.close() }
            do {
                return try handle.readToEnd() ?? Data()
            } catch {
                throw MailInputError(kind: .unreadable, file: path, offset: 0, detail: "cannot read: \(error.localizedDescription)")
            }
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw MailInputError(kind: .unreadable, file: path, offset: 0, detail: "cannot read: \(error.localizedDescription)")
        }
    }

    private static func parseChecked(data: Data, source: String, input: InputSource?) throws(MailInputError) -> Mailbox {
        do {
            return try data.withUnsafeBytes { raw throws -> Mailbox in
                try parseBuffer(raw.bindMemory(to: UInt8.self), source: source, input: input)
            }
        } catch let e as MailInputError {
            throw e
        } catch {
            throw MailInputError(kind: .unreadable, file: source, offset: 0, detail: "\(error)")
        }
    }

    private static func rejection(_ r: Splitter.Rejection, source: String) -> MailInputError {
        switch r {
        case .empty:
            return MailInputError(kind: .noMessages, file: source, offset: 0, detail: "no messages (empty input)")
        case .notMail(let offset, let detail):
            return MailInputError(kind: .notMail, file: source, offset: offset, detail: detail)
        }
    }

    /// Parses an input in memory. `input` is where `b` can be read again for headers decoded on
    /// demand (nil: headers are decoded and kept); an inflated gzip input is its own source.
    static func parseBuffer(_ b: Bytes, source: String, input: InputSource?) throws(MailInputError) -> Mailbox {
        if Inflate.isGzip(b) {
            let (out, failure) = Inflate.gunzip(b)
            if out.count == 0, let f = failure {
                throw MailInputError(kind: .corruptGzip, file: source, offset: f.offset, detail: "corrupt gzip: \(f.detail)")
            }
            let inflated = InputSource(.inflated(.init(output: out)))
            var box = try withExtendedLifetime(out) { () throws(MailInputError) in
                try parseBuffer(out.buffer, source: source, input: inflated)
            }
            if let f = failure {
                box.defects.insert(Defect(kind: .truncatedGzip, offset: f.offset, detail: "gzip: \(f.detail); using the \(out.count) bytes decoded"), at: 0)
            }
            return box
        }
        let split: Splitter.Result
        do { split = try Splitter.split(b) } catch { throw rejection(error, source: source) }
        var messages: [Message] = []
        messages.reserveCapacity(split.spans.count)
        let interner = Interner()
        for index in split.spans.indices {
            messages.append(message(b, split, index, source: input, interner: interner))
        }
        return assemble(source: source, format: split.format, messages: messages, defects: split.defects)
    }

    /// Message `index` of a split input, read the way its format says.
    private static func message(_ b: Bytes, _ split: Splitter.Result, _ index: Int, source: InputSource?,
                                interner: Interner?) -> Message {
        let span = split.spans[index]
        if let plan = split.commits { return GitText.commitMessage(b, spans: split.spans, index: index, plan: plan) }
        if let page = split.threadPage { return HTMLThreadPage.message(page, index: index) }
        switch split.format {
        case .webArchiveText: return MessageParser.parseWebArchive(b, span: span)
        case .bareDiff: return GitText.diffMessage(b, span: span)
        case .webArchiveHTML: return HTMLArchive.message(b, span: span)
        case .webArchiveMHonArc: return CommentedArchivePage.message(b, span: span)
        default: return MessageParser.parse(b, span: span, format: split.format, source: source, interner: interner)
        }
    }

    /// Whether two bodies are the same text but for trailing line breaks (an mbox keeps the
    /// blank line before the next separator; a single message file does not).
    static func sameText(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        var ex = x.endIndex, ey = y.endIndex
        while ex > x.startIndex, x[x.index(before: ex)] == 0x0A { ex = x.index(before: ex) }
        while ey > y.startIndex, y[y.index(before: ey)] == 0x0A { ey = y.index(before: ey) }
        return x[..<ex].elementsEqual(y[..<ey])
    }

    /// Collapses duplicate Message-IDs (first copy kept) and threads.
    static func assemble(source: String, format: InputFormat, messages: [Message], defects: [Defect]) -> Mailbox {
        var seen = StringTable<Int>(capacity: messages.count)
        var kept: [Message] = []
        kept.reserveCapacity(messages.count)
        var boxDefects = defects
        // In a directory of mail files the same message is often saved twice (as a .eml and
        // inside an mbox): identical copies are counted once, not flagged on every message.
        var sameCopies = 0
        for m in messages {
            if let first = seen[m.messageId] {
                if format == .directory, m.subject == kept[first].subject, sameText(m.body, kept[first].body) {
                    sameCopies += 1
                    continue
                }
                let d = Defect(kind: .duplicateMessageId, offset: m.offset,
                               detail: "duplicate of \(location(of: kept[first])) (<\(m.messageId)>) at \(location(of: m)); dropped")
                boxDefects.append(d)
                kept[first].defects.append(d)
                continue
            }
            seen.set(m.messageId, kept.count)
            kept.append(m)
        }
        if sameCopies > 0 {
            boxDefects.append(Defect(kind: .duplicateMessageId, offset: 0,
                                     detail: "\(sameCopies) message(s) found in more than one file with the same text; the first copy of each is kept"))
        }
        var flattened: [Int] = []
        let threads = Threader.thread(kept, flattened: &flattened)
        for i in flattened {
            let at = i >= 0 ? "<\(kept[i].messageId)>" : "an absent message"
            boxDefects.append(Defect(kind: .threadTooDeep, offset: i >= 0 ? kept[i].offset : 0,
                                     detail: "thread deeper than \(Threader.maxDepth) replies: the replies below \(at) are shown flat, in date order"))
        }
        return Mailbox(source: source, format: format, messages: kept, threads: threads, defects: boxDefects)
    }

    private static func location(of m: Message) -> String {
        if let p = m.sourcePath { return (p as NSString).lastPathComponent }
        return "the message at byte \(m.offset)"
    }

    /// Reads a Maildir: every file in `cur/` and `new/` (sorted by name) is one message.
    static func readMaildir(path: String) throws(MailInputError) -> Mailbox {
        let fm = FileManager.default
        var files: [String] = []
        var isMaildir = false
        for sub in ["cur", "new"] {
            let dir = (path as NSString).appendingPathComponent(sub)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { continue }
            isMaildir = true
            let names = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            files += names.filter { !$0.hasPrefix(".") }.sorted().map { (dir as NSString).appendingPathComponent($0) }
        }
        var plain = false
        if !isMaildir {
            // A plain directory of mail files (`git format-patch -o`, saved .eml files, mboxes):
            // every visible regular file, in name order; files that are not mail are skipped
            // with a defect, and messages found twice collapse as in any input.
            let names = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let f = (path as NSString).appendingPathComponent(name)
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: f, isDirectory: &isDir), !isDir.boolValue { files.append(f) }
            }
            plain = true
        }
        var messages: [Message] = []
        var defects: [Defect] = []
        for f in files {
            do {
                let box = try parseChecked(data: try load(f), source: f,
                                           input: InputSource.file(f, identity: .of(path: f)))
                for var m in box.messages {
                    m.sourcePath = f
                    messages.append(m)
                }
                defects += box.defects.map { Defect(kind: $0.kind, offset: $0.offset, detail: "\(f): \($0.detail)") }
            } catch {
                defects.append(Defect(kind: .other, offset: 0, detail: "\(f): \(error.detail); skipped"))
            }
        }
        guard !messages.isEmpty else {
            if plain {
                throw MailInputError(kind: .notMaildir, file: path, offset: 0,
                                     detail: "a directory with neither Maildir folders (cur/, new/) nor mail files")
            }
            throw MailInputError(kind: .noMessages, file: path, offset: 0, detail: "no messages in Maildir")
        }
        return assemble(source: path, format: plain ? .directory : .maildir, messages: messages, defects: defects)
    }
}
