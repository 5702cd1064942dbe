import Foundation
import MailCore

/// Options of the reply-mail export.
public struct ReplyOptions: Sendable, Equatable {
    /// The reviewer (`From:`), also removed from the reply-all recipients.
    public var from: Address
    /// The time written in `Date:` and used in the fresh Message-IDs.
    public var now: Date
    /// Wrap width of prose (quoted code is never wrapped).
    public var width: Int
    /// Whether to print the evidence attached to notes.
    public var includeEvidence: Bool

    public init(from: Address, now: Date, width: Int = 72, includeEvidence: Bool = true) {
        self.from = from
        self.now = now
        self.width = width
        self.includeEvidence = includeEvidence
    }
}

/// One reply mail, ready to be written into an mbox.
public struct ReplyMail: Sendable, Equatable {
    /// Message-ID of the reply (no angle brackets).
    public var messageId: String
    /// Message-ID of the mail it answers.
    public var inReplyTo: String
    /// Header fields in order, values already encoded for the wire (RFC 2047, folded).
    public var headers: [Header]
    /// The body, LF line ends, UTF-8.
    public var body: String
    /// Ids of the notes it carries.
    public var noteIds: [String]
    /// The author answered when the input gave no address for them (a list archive's thread page
    /// shows names only): the mail then has no `To:`, and this name says whom it is for.
    public var unaddressed: String?

    /// The message as RFC 5322 text (LF line ends).
    public var text: String {
        headers.map { "\($0.name): \($0.value)\n" }.joined() + "\n" + body
    }
}

/// What the reply export produced.
public struct ReplyExport: Sendable, Equatable {
    public var mails: [ReplyMail]
    /// Notes whose message is not in the input (they could not be answered).
    public var skipped: [String]

    /// All mails as one mbox (mboxrd: `From ` separator lines, `>From ` escaping, blank line after
    /// each message).
    public func mbox(now: Date) -> String {
        var out = ""
        for mail in mails {
            let sender = mail.headers.first { $0.name == "From" }.map { MailText.bareEmail($0.value) } ?? "patchlab"
            out += "From \(sender.isEmpty ? "patchlab" : sender) \(MailText.asctime(now))\n"
            for h in mail.headers { out += "\(h.name): \(h.value)\n" }
            out += "\n"
            var body = Substring(mail.body)
            if body.hasSuffix("\n") { body = body.dropLast() }
            for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
                if MailText.needsFromEscape(line) { out += ">" }
                out += line + "\n"
            }
            out += "\n"
        }
        return out
    }
}

/// Builds reply mails answering, per message, the notes that anchor to it (design §6 (a)).
public enum ReplyExporter {
    /// One reply per message that has notes: patches (line, hunk and patch notes), replies
    /// (comment notes) and the cover letter (series notes).
    /// - Parameters:
    ///   - session: the session whose notes are exported (already re-attached to `messages`).
    ///   - messages: the thread as read.
    ///   - options: sender, clock, width.
    public static func export(session: Session, messages: [Message], options: ReplyOptions) -> ReplyExport {
        var byId: [String: Message] = [:]
        for m in messages where byId[m.messageId] == nil { byId[m.messageId] = m }
        let coverId = session.input.coverMessageId.flatMap { byId[$0] != nil ? $0 : nil }
            ?? SeriesInfo.cover(in: messages)?.messageId
        var groups: [String: [Note]] = [:]
        var order: [String] = []
        var skipped: [String] = []
        for note in session.notes {
            guard let target = note.anchor.messageId ?? coverId, byId[target] != nil else {
                skipped.append(note.id)
                continue
            }
            if groups[target] == nil { order.append(target) }
            groups[target, default: []].append(note)
        }
        // Mails in thread order (the order of the input), cover first.
        let position = Dictionary(messages.enumerated().map { ($1.messageId, $0) }, uniquingKeysWith: { a, _ in a })
        order.sort { a, b in
            if a == coverId { return b != coverId }
            if b == coverId { return false }
            return (position[a] ?? 0) < (position[b] ?? 0)
        }
        var mails: [ReplyMail] = []
        for (n, id) in order.enumerated() {
            guard let original = byId[id], let notes = groups[id] else { continue }
            mails.append(reply(to: original, notes: notes, options: options, sequence: n + 1))
        }
        return ReplyExport(mails: mails, skipped: skipped)
    }

    /// The reply to one message carrying its notes.
    public static func reply(to original: Message, notes: [Note], options: ReplyOptions, sequence: Int) -> ReplyMail {
        let patch = PatchText(message: original)
        let items = QuotePlanner.plan(message: original, patch: patch.files.isEmpty ? nil : patch, notes: notes)
        var lines: [String] = []
        let who = original.from.name.isEmpty ? original.from.email : original.from.name
        let when = original.rawDate.isEmpty ? original.date.map(MailText.rfc2822) ?? "an unknown date" : original.rawDate
        lines.append("On \(when), \(who) wrote:")
        for item in items {
            switch item {
            case .quote(let q):
                lines += q.map { $0.isEmpty ? ">" : "> " + $0 }
            case .trim:
                lines.append("> [...]")
            case .note(let note):
                lines.append("")
                lines += ProseWrapper.wrap(note.text, width: options.width)
                if options.includeEvidence, let e = note.evidence {
                    lines.append("")
                    lines += evidenceBlock(e, width: options.width)
                }
                lines.append("")
            }
        }
        while lines.last == "" { lines.removeLast() }
        let body = lines.joined(separator: "\n") + "\n"

        let me = options.from.email.lowercased()
        let to = original.from
        var seen: Set<String> = [me, to.email.lowercased()]
        var cc: [Address] = []
        for a in original.to + original.cc where !a.email.isEmpty && seen.insert(a.email.lowercased()).inserted {
            cc.append(a)
        }
        let subject = SeriesInfo.isReply(original.subject) ? original.subject : "Re: " + original.subject
        var references = original.references
        if references.isEmpty, let parent = original.inReplyTo { references = [parent] }
        if references.last != original.messageId { references.append(original.messageId) }
        let newId = freshMessageId(original: original.messageId, from: options.from, now: options.now,
                                   sequence: sequence, body: body)

        var headers: [Header] = [Header(name: "From", value: MailText.addressList([options.from], fieldName: "From"))]
        // No address, no `To:` (a name alone is not one): the sender fills it in.
        if !to.email.isEmpty { headers.append(Header(name: "To", value: MailText.addressList([to], fieldName: "To"))) }
        if !cc.isEmpty { headers.append(Header(name: "Cc", value: MailText.addressList(cc, fieldName: "Cc"))) }
        headers += [
            Header(name: "Subject", value: MailText.encodeUnstructured(subject, fieldName: "Subject")),
            Header(name: "Date", value: MailText.rfc2822(options.now)),
            Header(name: "Message-ID", value: "<\(newId)>"),
            Header(name: "In-Reply-To", value: "<\(original.messageId)>"),
            Header(name: "References", value: MailText.fold(references.map { "<\($0)>" }, fieldName: "References", separator: "")),
            Header(name: "MIME-Version", value: "1.0"),
            Header(name: "Content-Type", value: "text/plain; charset=UTF-8"),
            Header(name: "Content-Transfer-Encoding", value: "8bit"),
            Header(name: "User-Agent", value: "patchlab"),
        ]
        return ReplyMail(messageId: newId, inReplyTo: original.messageId, headers: headers, body: body,
                         noteIds: notes.map(\.id), unaddressed: to.email.isEmpty ? (to.name.isEmpty ? "(unknown)" : to.name) : nil)
    }

    /// The evidence block of a note, as plain text lines.
    public static func evidenceBlock(_ e: Evidence, width: Int = 72) -> [String] {
        var lines = ["Evidence (patchlab model, design \(e.design)):"]
        for s in e.scenarios {
            let head = s.title.isEmpty ? "\(s.id): \(s.outcome)" : "\(s.id) \(s.title): \(s.outcome)"
            lines += hangingWrap(head, first: "  ", rest: "      ", width: width)
            for w in s.warnings {
                lines += hangingWrap("warning: " + w, first: "      ", rest: "        ", width: width)
            }
        }
        if e.scenarios.isEmpty { lines.append("  (no scenario linked)") }
        return lines
    }

    private static func hangingWrap(_ text: String, first: String, rest: String, width: Int) -> [String] {
        let wrapped = ProseWrapper.wrap(text, width: width - rest.count)
        return wrapped.enumerated().map { ($0.offset == 0 ? first : rest) + $0.element }
    }

    /// A new Message-ID: time, sequence and a hash of what is answered, at the sender's domain.
    static func freshMessageId(original: String, from: Address, now: Date, sequence: Int, body: String) -> String {
        var h = FNV1a()
        h.add(Array(original.utf8))
        h.add(Array(body.utf8))
        h.add(Array(from.email.utf8))
        let domain = from.email.split(separator: "@").last.map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? "patchlab.invalid"
        let stamp = Int(now.timeIntervalSince1970)
        return "patchlab-\(stamp)-\(sequence)-\(hex(h.value).prefix(12))@\(domain)"
    }
}

/// Header encoding helpers for outgoing mail.
enum MailText {
    /// `Fri, 27 Jun 2025 15:46:52 +0000`.
    static func rfc2822(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: date)
    }

    /// `Wed Nov 25 00:20:04 2026` (the date of an mbox `From ` line).
    static func asctime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE MMM dd HH:mm:ss yyyy"
        var s = f.string(from: date)
        // asctime pads the day with a space, not a zero.
        if let r = s.range(of: " 0", range: s.index(s.startIndex, offsetBy: 7)..<s.index(s.startIndex, offsetBy: 10)) {
            s.replaceSubrange(r, with: "  ")
        }
        return s
    }

    /// Whether a body line must get a `>` in mboxrd (`From `, `>From `, `>>From ` ...).
    static func needsFromEscape<S: StringProtocol>(_ line: S) -> Bool {
        line.drop(while: { $0 == ">" }).hasPrefix("From ")
    }

    /// `addr@x` from `Name <addr@x>` or a bare address.
    static func bareEmail(_ value: String) -> String {
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            return String(value[value.index(after: open)..<close])
        }
        return value.trimmingCharacters(in: .whitespaces)
    }

    /// One address as it goes into a header: quoted or RFC 2047-encoded display name.
    static func address(_ a: Address) -> String {
        guard !a.name.isEmpty else { return a.email }
        return "\(displayName(a.name)) <\(a.email)>"
    }

    static func displayName(_ name: String) -> String {
        if !name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F }) {
            return encodedWords(name)
        }
        let specials = Set("()<>[]:;@\\,.\"")
        if name.contains(where: { specials.contains($0) }) {
            return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return name
    }

    /// An address list folded at 78 columns.
    static func addressList(_ list: [Address], fieldName: String) -> String {
        fold(list.map(address), fieldName: fieldName, separator: ",")
    }

    /// Items joined with `separator` and a space, folded with a tab when a line would pass 78.
    static func fold(_ items: [String], fieldName: String, separator: String) -> String {
        var out = ""
        var column = fieldName.count + 2
        for (i, item) in items.enumerated() {
            let piece = item + (i < items.count - 1 ? separator : "")
            if i > 0 {
                if column + 1 + piece.count > 78 {
                    out += "\n\t"
                    column = 8
                } else {
                    out += " "
                    column += 1
                }
            }
            out += piece
            column += piece.count
        }
        return out
    }

    /// Subject-like text: as is when printable ASCII, else RFC 2047 encoded words.
    static func encodeUnstructured(_ text: String, fieldName: String) -> String {
        let clean = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: "")
        if clean.unicodeScalars.allSatisfy({ $0.isASCII && ($0.value >= 0x20 || $0.value == 0x09) && $0.value != 0x7F }) {
            return clean
        }
        return encodedWords(clean)
    }

    /// RFC 2047 `=?UTF-8?B?...?=` words of at most 75 characters, split on character boundaries,
    /// separated by folding whitespace.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        let maxBytes = 45 // 60 base64 characters + 12 of framing < 75
        for ch in text {
            let bytes = Array(String(ch).utf8)
            if chunk.count + bytes.count > maxBytes && !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\n ")
    }
}
