/// Notes: the reviewer's notes, the session file, and exports (reply mail, Markdown, JSON). Pure
/// except for the atomic session store (`SessionStore`).
///
/// Notes are values anchored like reviewer comments: to a line (patch, file, side, line), a hunk,
/// someone's comment, a patch or the whole series. Every anchor is keyed by Message-ID plus a
/// fingerprint of the text it points at, so a session re-attaches to another copy of the same
/// thread (an mbox and a Maildir of the same mail, a re-ordered mbox).
import Foundation

/// Which side of a diff a line number counts on.
public enum DiffSide: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// The pre-image (`-` and context lines, counted from the `@@ -a` start).
    case old
    /// The post-image (`+` and context lines, counted from the `@@ +c` start).
    case new
}

/// A content hash of one diff line and of the line with a little context around it.
///
/// `line` hashes the line itself (its `+`/`-`/` ` marker and text, trailing blanks ignored);
/// `context` additionally hashes up to two lines before and after it within the same hunk. Both are
/// FNV-1a 64-bit, printed as 16 hex digits in JSON so they survive any JSON reader.
public struct LineFingerprint: Sendable, Equatable, Hashable, Codable {
    public var line: UInt64
    public var context: UInt64

    public init(line: UInt64, context: UInt64) {
        self.line = line
        self.context = context
    }

    /// How many lines on each side of the anchored line the context hash covers.
    public static let contextRadius = 2

    /// The fingerprint of `lines[index]` among the raw diff lines of one hunk (each with its
    /// `+`, `-` or space marker).
    /// - Parameters:
    ///   - lines: the hunk's body lines, marker included, in order.
    ///   - index: the position of the anchored line in `lines`.
    public init(hunkLines lines: [String], at index: Int) {
        let own = lines.indices.contains(index) ? lines[index] : ""
        var context = FNV1a()
        let low = max(0, index - Self.contextRadius)
        let high = min(lines.count - 1, index + Self.contextRadius)
        if low <= high {
            for i in low...high {
                context.add(normalised(lines[i]))
                context.add([0x0A])
            }
        }
        self.init(line: FNV1a.hash(normalised(own)), context: context.value)
    }

    private enum CodingKeys: String, CodingKey { case line, context }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        line = try Self.decodeHex(c, .line)
        context = try Self.decodeHex(c, .context)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hex(line), forKey: .line)
        try c.encode(hex(context), forKey: .context)
    }

    private static func decodeHex(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> UInt64 {
        let text = try c.decode(String.self, forKey: key)
        guard let value = UInt64(text, radix: 16) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c,
                                                   debugDescription: "not a 64-bit hex fingerprint: \(text)")
        }
        return value
    }
}

/// A content hash of a block of text (a comment, a hunk header and its first lines).
public struct TextFingerprint: Sendable, Equatable, Hashable, Codable {
    public var value: UInt64
    public init(value: UInt64) { self.value = value }

    /// Hashes `text` with runs of whitespace collapsed, so re-wrapping or trailing blanks in another
    /// copy of the mail do not change it.
    public init(text: String) {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for b in text.utf8 {
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(b)
            }
        }
        value = FNV1a.hash(out)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let v = UInt64(text, radix: 16) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a 64-bit hex fingerprint: \(text)")
        }
        value = v
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex(value))
    }
}

/// A note anchored to one line of a patch's diff.
public struct LineAnchor: Sendable, Equatable, Hashable, Codable {
    /// Message-ID (no angle brackets) of the patch mail.
    public var messageId: String
    /// The file's path (the new path; the old one for a deleted file).
    public var path: String
    public var side: DiffSide
    /// 1-based line number on `side`.
    public var line: Int
    public var fingerprint: LineFingerprint

    public init(messageId: String, path: String, side: DiffSide, line: Int, fingerprint: LineFingerprint) {
        self.messageId = messageId
        self.path = path
        self.side = side
        self.line = line
        self.fingerprint = fingerprint
    }
}

/// A note anchored to one hunk of a patch's diff.
public struct HunkAnchor: Sendable, Equatable, Hashable, Codable {
    public var messageId: String
    public var path: String
    /// 0-based index of the hunk within its file.
    public var index: Int
    /// The hunk's `@@ -oldStart` and `+newStart` numbers, for display and re-attachment.
    public var oldStart: Int
    public var newStart: Int
    /// Hash of the hunk's body lines (markers included).
    public var fingerprint: TextFingerprint

    public init(messageId: String, path: String, index: Int, oldStart: Int, newStart: Int,
                fingerprint: TextFingerprint) {
        self.messageId = messageId
        self.path = path
        self.index = index
        self.oldStart = oldStart
        self.newStart = newStart
        self.fingerprint = fingerprint
    }
}

/// A note anchored to someone's comment (a run of unquoted text in a reply).
public struct CommentAnchor: Sendable, Equatable, Hashable, Codable {
    /// Message-ID of the reply holding the comment.
    public var messageId: String
    /// 0-based position of the comment among that reply's comments.
    public var index: Int
    /// Hash of the comment's text (whitespace-collapsed).
    public var fingerprint: TextFingerprint
    /// The comment's text as it was when the note was taken (quoted back in the reply export).
    public var excerpt: String

    public init(messageId: String, index: Int, text: String) {
        self.messageId = messageId
        self.index = index
        self.fingerprint = TextFingerprint(text: text)
        self.excerpt = text
    }
}

/// Where a note is attached.
public enum NoteAnchor: Sendable, Equatable, Hashable, Codable {
    /// The whole series (answered on the cover letter).
    case series
    /// A whole patch (or any single message), by Message-ID.
    case patch(messageId: String)
    case hunk(HunkAnchor)
    case line(LineAnchor)
    case comment(CommentAnchor)

    /// The Message-ID of the mail the note answers; nil for `.series`.
    public var messageId: String? {
        switch self {
        case .series: return nil
        case .patch(let id): return id
        case .hunk(let h): return h.messageId
        case .line(let l): return l.messageId
        case .comment(let c): return c.messageId
        }
    }

    /// The anchor's kind as the JSON `kind` string.
    public var kind: String {
        switch self {
        case .series: return "series"
        case .patch: return "patch"
        case .hunk: return "hunk"
        case .line: return "line"
        case .comment: return "comment"
        }
    }

    private enum CodingKeys: String, CodingKey { case kind, messageId, hunk, line, comment }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "series": self = .series
        case "patch": self = .patch(messageId: try c.decode(String.self, forKey: .messageId))
        case "hunk": self = .hunk(try c.decode(HunkAnchor.self, forKey: .hunk))
        case "line": self = .line(try c.decode(LineAnchor.self, forKey: .line))
        case "comment": self = .comment(try c.decode(CommentAnchor.self, forKey: .comment))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown anchor kind \(kind)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case .series: break
        case .patch(let id): try c.encode(id, forKey: .messageId)
        case .hunk(let h): try c.encode(h, forKey: .hunk)
        case .line(let l): try c.encode(l, forKey: .line)
        case .comment(let k): try c.encode(k, forKey: .comment)
        }
    }
}

/// FNV-1a, 64 bit: a tiny stable hash (Swift's `Hasher` is seeded per process, so unusable on disk).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for b in bytes {
            value ^= UInt64(b)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    static func hash<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var h = FNV1a()
        h.add(bytes)
        return h.value
    }
}

/// The bytes of a diff line with trailing blanks and a carriage return dropped.
func normalised(_ line: String) -> [UInt8] {
    var bytes = Array(line.utf8)
    while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0D { bytes.removeLast() }
    return bytes
}

func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 16 - s.count)) + s
}
