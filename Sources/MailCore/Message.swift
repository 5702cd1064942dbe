/// MailCore: reads mailing-list mail (mbox variants, single messages, Maildir, gzip, stdin,
/// web-archive text renderings) into messages and threads. Pure: Foundation only.
///
/// Pipeline: `MailReader` -> `Splitter` (format detection, raw messages) -> `MessageParser`
/// (headers, RFC 2047, MIME, transfer encodings, charsets) -> `Threader` (JWZ). See `MailReader`.
import Foundation

/// A name and an e-mail address, as found in `From:`, `To:` or `Cc:`.
public struct Address: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var email: String
    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}

/// Something odd but survivable in the input, with where it was found.
public struct Defect: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// What kind of oddity this is (a closed set; see `Defect.Kind`).
    public var kind: Kind
    /// Byte offset in the input file where the oddity was found (of the message, or finer).
    public var offset: Int
    /// A short human explanation.
    public var detail: String

    public init(kind: Kind, offset: Int, detail: String) {
        self.kind = kind
        self.offset = offset
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue) at byte \(offset): \(detail)" }

    public enum Kind: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        case missingHeaderBodySeparator
        case malformedHeader
        case invalidEncodedWord
        case unknownCharset
        case invalidCharsetData
        case unknownTransferEncoding
        case invalidBase64
        case invalidQuotedPrintable
        case missingBoundary
        case truncatedMultipart
        case mimeTooDeep
        case nulByte
        case rawEightBitHeader
        case missingMessageId
        case duplicateMessageId
        case invalidDate
        case invalidAddress
        case invalidReferences
        case lineTooLong
        case contentLengthMismatch
        case truncatedGzip
        /// A thread deeper than `Threader.maxDepth`: the replies below that depth are shown
        /// flat, in date order, under the message at that depth.
        case threadTooDeep
        /// The input was not mail (`git log -p` output, a bare diff): headers were made up.
        case synthesisedHeaders
        case other
    }
}

/// One parsed mail message. Value type; every field is decoded text (UTF-8 `String`).
///
/// The full header list is not kept decoded: a message read from a file or a buffer remembers
/// where its header block is and decodes it when `headers` or `header(_:)` is asked for. When
/// that file has since been deleted or changed, both fall back to the fields the message kept
/// (Subject, From, Date, Message-ID, In-Reply-To, References; see `keptHeaders`).
///
/// `to` and `cc` of such a message are not kept either: they are parsed from its `To:` and
/// `Cc:` fields in the input when read (the same addresses the eager parse gives). When the
/// input has since been deleted or changed, they read as empty lists (and `keptHeaders` has no
/// To or Cc). Assigning or mutating `to` or `cc` (or assigning `headers`) first reads both
/// from the input and keeps them in the message from then on.
public struct Message: Sendable, Equatable, Identifiable {
    /// The fields, shared between copies until one of them is mutated (copy on write), so
    /// copying a message costs one reference count.
    final class Fields: @unchecked Sendable {
        // Sendable: an instance is only mutated while uniquely referenced (`makeUnique`).
        // Accesses are not tracked at run time: each goes through one `Message` accessor, reads
        // end before a mutation starts, and a mutation only happens on a unique instance.
        @exclusivity(unchecked) var messageId: String
        @exclusivity(unchecked) var subject: String
        @exclusivity(unchecked) var from: Address
        @exclusivity(unchecked) var to: [Address]
        @exclusivity(unchecked) var cc: [Address]
        @exclusivity(unchecked) var date: Date?
        @exclusivity(unchecked) var rawDate: String
        @exclusivity(unchecked) var inReplyTo: String?
        @exclusivity(unchecked) var references: [String]
        @exclusivity(unchecked) var headerStore: HeaderStore
        /// Whether `to` and `cc` are left in the input (`headerStore` is then `.lazy` and the two
        /// arrays are empty) and parsed when read.
        @exclusivity(unchecked) var addressesInInput = false
        @exclusivity(unchecked) var body: String
        @exclusivity(unchecked) var parts: [BodyPart]
        @exclusivity(unchecked) var defects: [Defect]
        @exclusivity(unchecked) var offset: Int
        @exclusivity(unchecked) var length: Int
        @exclusivity(unchecked) var sourcePath: String?

        init(messageId: String, subject: String, from: Address, to: [Address], cc: [Address], date: Date?,
             rawDate: String, inReplyTo: String?, references: [String], headerStore: HeaderStore, body: String,
             parts: [BodyPart], defects: [Defect], offset: Int, length: Int, sourcePath: String?) {
            self.messageId = messageId
            self.subject = subject
            self.from = from
            self.to = to
            self.cc = cc
            self.date = date
            self.rawDate = rawDate
            self.inReplyTo = inReplyTo
            self.references = references
            self.headerStore = headerStore
            self.body = body
            self.parts = parts
            self.defects = defects
            self.offset = offset
            self.length = length
            self.sourcePath = sourcePath
        }

        func copy() -> Fields {
            let f = Fields(messageId: messageId, subject: subject, from: from, to: to, cc: cc, date: date,
                           rawDate: rawDate, inReplyTo: inReplyTo, references: references, headerStore: headerStore,
                           body: body, parts: parts, defects: defects, offset: offset, length: length, sourcePath: sourcePath)
            f.addressesInInput = addressesInInput
            return f
        }
    }

    private var fields: Fields

    @inline(__always)
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&fields) { fields = fields.copy() }
    }

    /// Message-ID without angle brackets. Synthesised (and a defect recorded) when missing.
    public var messageId: String {
        get { fields.messageId }
        _modify { makeUnique(); yield &fields.messageId }
    }
    public var id: String { fields.messageId }
    /// Decoded, unfolded subject (RFC 2047 decoded), as sent (prefixes kept).
    public var subject: String {
        get { fields.subject }
        _modify { makeUnique(); yield &fields.subject }
    }
    public var from: Address {
        get { fields.from }
        _modify { makeUnique(); yield &fields.from }
    }
    /// The `To:` addresses (parsed from the input on each read when the message was read from
    /// one; see the type's documentation for what an input changed since gives).
    public var to: [Address] {
        get { fields.addressesInInput ? addressesFromInput(.to) : fields.to }
        _modify { keepAddresses(); yield &fields.to }
    }
    /// The `Cc:` addresses (read like `to`).
    public var cc: [Address] {
        get { fields.addressesInInput ? addressesFromInput(.cc) : fields.cc }
        _modify { keepAddresses(); yield &fields.cc }
    }

    /// The addresses of the first field of `kind` in the input; empty when the input can no
    /// longer be read.
    private func addressesFromInput(_ kind: FieldKind) -> [Address] {
        guard case .lazy(let l) = fields.headerStore else { return [] }
        return l.addresses(kind) ?? []
    }

    /// Makes the fields unique and `to` and `cc` kept in them (read from the input if needed).
    private mutating func keepAddresses() {
        makeUnique()
        guard fields.addressesInInput else { return }
        fields.to = addressesFromInput(.to)
        fields.cc = addressesFromInput(.cc)
        fields.addressesInInput = false
    }

    /// The parser's initialiser: the header store given, and with `addressesInInput` (only for
    /// a lazy store) `to` and `cc` left in the input (the arrays given are then not kept).
    init(messageId: String, subject: String, from: Address, to: [Address], cc: [Address], date: Date?,
         rawDate: String, inReplyTo: String?, references: [String], headerStore: HeaderStore,
         addressesInInput: Bool, body: String, parts: [BodyPart], defects: [Defect], offset: Int, length: Int) {
        var inInput = false
        if addressesInInput, case .lazy = headerStore { inInput = true }
        fields = Fields(messageId: messageId, subject: subject, from: from, to: inInput ? [] : to, cc: inInput ? [] : cc,
                        date: date, rawDate: rawDate, inReplyTo: inReplyTo, references: references,
                        headerStore: headerStore, body: body, parts: parts, defects: defects,
                        offset: offset, length: length, sourcePath: nil)
        fields.addressesInInput = inInput
    }
    /// The date as an instant, nil when absent or unparseable (a defect is recorded).
    public var date: Date? {
        get { fields.date }
        _modify { makeUnique(); yield &fields.date }
    }
    /// The `Date:` header text as it was.
    public var rawDate: String {
        get { fields.rawDate }
        _modify { makeUnique(); yield &fields.rawDate }
    }
    /// In-Reply-To Message-ID (first one found), without angle brackets.
    public var inReplyTo: String? {
        get { fields.inReplyTo }
        _modify { makeUnique(); yield &fields.inReplyTo }
    }
    /// References, oldest first, without angle brackets.
    public var references: [String] {
        get { fields.references }
        _modify { makeUnique(); yield &fields.references }
    }
    /// All headers, unfolded and decoded, in order. Names keep their original case.
    /// (Decoded from the input on each read; see the type's documentation for the fallback.)
    public var headers: [Header] {
        get {
            switch fields.headerStore {
            case .packed(let s): return s.headers
            case .lazy(let l): return l.headers() ?? keptHeaders
            }
        }
        set { headerStore = .packed(HeaderStorage(newValue)) }
    }
    /// Where the headers are. Replacing it first keeps `to` and `cc` (read from the old store
    /// when they were left in the input), so they never point at a store that lacks them.
    var headerStore: HeaderStore {
        get { fields.headerStore }
        set {
            keepAddresses()
            fields.headerStore = newValue
        }
    }
    /// The readable text of the message: the chosen text/plain part(s) decoded to UTF-8,
    /// followed by inline patch attachments (text/x-patch, text/x-diff), CRLF normalised to LF.
    public var body: String {
        get { fields.body }
        _modify { makeUnique(); yield &fields.body }
    }
    /// The MIME parts that were found (flattened, in order), for display and export.
    public var parts: [BodyPart] {
        get { fields.parts }
        _modify { makeUnique(); yield &fields.parts }
    }
    /// Oddities found while parsing this message.
    public var defects: [Defect] {
        get { fields.defects }
        _modify { makeUnique(); yield &fields.defects }
    }
    /// Byte offset of this message in the input (of its separator line when there is one).
    public var offset: Int {
        get { fields.offset }
        _modify { makeUnique(); yield &fields.offset }
    }
    /// Byte length of this message's raw text in the input.
    public var length: Int {
        get { fields.length }
        _modify { makeUnique(); yield &fields.length }
    }
    /// The file this message came from when the input is a directory (Maildir), else nil;
    /// `offset` and defect offsets are then positions in that file.
    public var sourcePath: String? {
        get { fields.sourcePath }
        _modify { makeUnique(); yield &fields.sourcePath }
    }

    public init(messageId: String, subject: String, from: Address, to: [Address] = [], cc: [Address] = [],
                date: Date?, rawDate: String = "", inReplyTo: String? = nil, references: [String] = [],
                headers: [Header] = [], body: String, parts: [BodyPart] = [], defects: [Defect] = [],
                offset: Int = 0, length: Int = 0, sourcePath: String? = nil) {
        fields = Fields(messageId: messageId, subject: subject, from: from, to: to, cc: cc, date: date,
                        rawDate: rawDate, inReplyTo: inReplyTo, references: references,
                        headerStore: .packed(HeaderStorage(headers)), body: body, parts: parts, defects: defects,
                        offset: offset, length: length, sourcePath: sourcePath)
    }

    /// The first header with this name (case-insensitive), decoded.
    public func header(_ name: String) -> String? {
        switch fields.headerStore {
        case .packed(let s): return s.first(name)
        case .lazy(let l):
            if let found = l.first(name) { return found }
            let want = name.lowercased()
            return keptHeaders.first { $0.name.lowercased() == want }?.value
        }
    }

    /// The headers rebuilt from the message's fields, used when its input can no longer be
    /// read: Subject, From, To, Cc, Date, Message-ID, In-Reply-To and References, in that
    /// order, each only when it has a value (addresses as `Name <email>`, ids in brackets).
    /// To and Cc read from an input that is gone are empty, so they are then absent.
    public var keptHeaders: [Header] {
        func address(_ a: Address) -> String {
            if a.name.isEmpty { return a.email }
            if a.email.isEmpty { return a.name }
            return "\(a.name) <\(a.email)>"
        }
        var out: [Header] = []
        func add(_ name: String, _ value: String) {
            if !value.isEmpty { out.append(Header(name: name, value: value)) }
        }
        add("Subject", subject)
        add("From", address(from))
        add("To", to.map(address).joined(separator: ", "))
        add("Cc", cc.map(address).joined(separator: ", "))
        add("Date", rawDate)
        add("Message-ID", "<\(messageId)>")
        add("In-Reply-To", inReplyTo.map { "<\($0)>" } ?? "")
        add("References", references.map { "<\($0)>" }.joined(separator: " "))
        return out
    }

    public static func == (a: Message, b: Message) -> Bool {
        if a.fields === b.fields { return true }
        // Addresses left in the same input are the same; others are compared as lists.
        var sameInput = false
        if a.fields.addressesInInput, b.fields.addressesInInput,
           case .lazy(let x) = a.headerStore, case .lazy(let y) = b.headerStore, x == y {
            sameInput = true
        }
        guard a.messageId == b.messageId, a.subject == b.subject, a.from == b.from,
              sameInput || (a.to == b.to && a.cc == b.cc), a.date == b.date, a.rawDate == b.rawDate, a.inReplyTo == b.inReplyTo, a.references == b.references,
              a.body == b.body, a.parts == b.parts, a.defects == b.defects, a.offset == b.offset,
              a.length == b.length, a.sourcePath == b.sourcePath else { return false }
        switch (a.headerStore, b.headerStore) {
        case (.lazy(let x), .lazy(let y)) where x == y: return true
        case (.packed(let x), .packed(let y)): return x == y
        default: return a.headers == b.headers
        }
    }
}

/// Headers packed into one string with UTF-8 end offsets (name end, value end, ...): a message
/// keeps one allocation for all its header text instead of two per field.
struct HeaderStorage: Sendable, Equatable, Hashable {
    private(set) var text: String
    private(set) var ends: [UInt32]

    init() {
        text = ""
        ends = []
    }

    /// Empty storage with room for `bytes` of text and `fields` fields.
    init(reserving bytes: Int, fields: Int) {
        self.init()
        text.reserveCapacity(bytes)
        ends.reserveCapacity(2 * fields)
    }

    init(_ headers: [Header]) {
        self.init()
        for h in headers { append(name: h.name, value: h.value) }
    }

    mutating func append(name: String, value: String) {
        text += name
        ends.append(UInt32(truncatingIfNeeded: text.utf8.count))
        text += value
        ends.append(UInt32(truncatingIfNeeded: text.utf8.count))
    }

    var count: Int { ends.count / 2 }

    private func slice(_ from: Int, _ to: Int) -> String {
        let u = text.utf8
        let a = u.index(u.startIndex, offsetBy: from)
        let b = u.index(a, offsetBy: to - from)
        return String(decoding: u[a..<b], as: UTF8.self)
    }

    /// Name and value of field `i`.
    func field(_ i: Int) -> Header {
        let start = i == 0 ? 0 : Int(ends[2 * i - 1])
        let mid = Int(ends[2 * i])
        return Header(name: slice(start, mid), value: slice(mid, Int(ends[2 * i + 1])))
    }

    var headers: [Header] { (0..<count).map(field) }

    /// The value of the first field named `name` (ASCII case-insensitive).
    func first(_ name: String) -> String? {
        let want = Array(name.utf8).map(ASCII.lower)
        let u = Array(text.utf8)
        var start = 0
        for i in 0..<count {
            let mid = Int(ends[2 * i])
            if mid - start == want.count {
                var same = true
                for k in 0..<want.count where ASCII.lower(u[start + k]) != want[k] { same = false; break }
                if same { return slice(mid, Int(ends[2 * i + 1])) }
            }
            start = Int(ends[2 * i + 1])
        }
        return nil
    }
}

/// One header field, unfolded and RFC 2047-decoded.
public struct Header: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A leaf MIME part after decoding.
public struct BodyPart: Sendable, Equatable {
    /// e.g. `text/plain`, `text/x-patch`.
    public var contentType: String
    public var charset: String?
    public var filename: String?
    /// `inline`, `attachment` or nil.
    public var disposition: String?
    /// Decoded text (for text parts) or empty for binary parts.
    public var text: String
    /// Whether this part contributed to `Message.body`.
    public var inBody: Bool

    public init(contentType: String, charset: String? = nil, filename: String? = nil,
                disposition: String? = nil, text: String, inBody: Bool) {
        self.contentType = contentType
        self.charset = charset
        self.filename = filename
        self.disposition = disposition
        self.text = text
        self.inBody = inBody
    }
}

/// A node of the JWZ thread tree. `message` is nil for a container standing for a message
/// that is referenced but absent from the input.
public struct ThreadNode: Sendable, Equatable {
    public var messageId: String
    /// Index into `Mailbox.messages`, nil for a container standing for an absent message.
    public var messageIndex: Int?
    public var children: [ThreadNode]
    public init(messageId: String, messageIndex: Int?, children: [ThreadNode] = []) {
        self.messageId = messageId
        self.messageIndex = messageIndex
        self.children = children
    }
}

/// The detected shape of an input.
public enum InputFormat: String, Sendable, Equatable, Codable {
    case mboxo, mboxrd, mboxcl, mboxcl2, singleMessage, maildir, webArchiveText
    /// `git log -p` / `git show` output: one message per commit.
    case gitLog
    /// A diff with no mail around it.
    case bareDiff
    /// A list archive's HTML page of one message (public-inbox / lore.kernel.org).
    case webArchiveHTML
    /// A list archive's HTML page of a whole thread (public-inbox `/T/` or `/t/`).
    case webArchiveThreadHTML
    /// A list archive's HTML page of one message written by MHonArc or Hypermail (lkml.iu.edu,
    /// spinics.net, mail-archive.com): the headers in the generator's comments.
    case webArchiveMHonArc
    /// A plain directory of mail files (each a message or an mbox).
    case directory
}

/// Everything read from one input: messages in input order (duplicates collapsed), threads,
/// and input-level defects.
public struct Mailbox: Sendable, Equatable {
    public var source: String
    public var format: InputFormat
    public var messages: [Message]
    public var threads: [ThreadNode]
    public var defects: [Defect]
    public init(source: String, format: InputFormat, messages: [Message], threads: [ThreadNode], defects: [Defect]) {
        self.source = source
        self.format = format
        self.messages = messages
        self.threads = threads
        self.defects = defects
    }
}
