import Foundation
import MailCore

/// Which thread a session was written for.
public struct InputIdentity: Sendable, Equatable, Hashable, Codable {
    /// The input path as given when the session was created (informational only).
    public var source: String
    /// Message-IDs of the thread's messages, sorted (the identity proper).
    public var messageIds: [String]
    /// The series subject (cover letter, or first patch), prefixes kept.
    public var seriesSubject: String
    /// Message-ID of the cover letter, or of the mail series notes answer.
    public var coverMessageId: String?

    public init(source: String, messageIds: [String], seriesSubject: String, coverMessageId: String?) {
        self.source = source
        self.messageIds = messageIds.sorted()
        self.seriesSubject = seriesSubject
        self.coverMessageId = coverMessageId
    }

    /// The identity of a set of parsed messages: sorted Message-IDs, the series subject and the
    /// cover (the first `[PATCH ... 0/N]` mail, else the first root message).
    public init(source: String, messages: [Message]) {
        let cover = SeriesInfo.cover(in: messages)
        self.init(source: source, messageIds: messages.map(\.messageId),
                  seriesSubject: cover?.subject ?? messages.first?.subject ?? "",
                  coverMessageId: cover?.messageId)
    }

    /// The fraction (0...1) of this identity's Message-IDs found in `other`.
    public func overlap(with other: InputIdentity) -> Double {
        guard !messageIds.isEmpty else { return 0 }
        let theirs = Set(other.messageIds)
        return Double(messageIds.filter { theirs.contains($0) }.count) / Double(messageIds.count)
    }
}

/// A review session: the thread it belongs to, the reviewer's notes and links, the chosen design
/// and the evidence the notes cite. A value; every edit is a pure mutating method, and saving is
/// the caller's effect (`SessionStore.save`).
public struct Session: Sendable, Equatable, Codable {
    /// The session file format this build writes and reads.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var input: InputIdentity
    public var notes: [Note]
    public var links: [ManualLink]
    /// The chosen design as a spec string; nil when the reviewer never chose one.
    public var design: String?
    /// Evidence the reviewer cited at session level (beyond what individual notes carry).
    public var citedEvidence: [Evidence]
    /// Counter behind note ids, so ids never repeat even after deletions.
    public var nextNoteNumber: Int

    public init(input: InputIdentity, notes: [Note] = [], links: [ManualLink] = [], design: String? = nil,
                citedEvidence: [Evidence] = []) {
        self.formatVersion = Self.currentFormatVersion
        self.input = input
        self.notes = notes
        self.links = links
        self.design = design
        self.citedEvidence = citedEvidence
        self.nextNoteNumber = notes.count + 1
    }

    // MARK: editing

    /// Adds a note and returns its id.
    /// - Parameters:
    ///   - anchor: where the note is attached.
    ///   - text: the note's text.
    ///   - evidence: model evidence to attach, if any.
    ///   - at: the time to record (the caller's clock; nil leaves it unset).
    @discardableResult
    public mutating func addNote(_ anchor: NoteAnchor, text: String, evidence: Evidence? = nil, at: Date? = nil) -> String {
        let id = "n\(nextNoteNumber)"
        nextNoteNumber += 1
        let when = wholeSeconds(at)
        notes.append(Note(id: id, anchor: anchor, text: text, evidence: evidence, created: when, modified: when))
        return id
    }

    /// Replaces a note's text. - Returns: false when no note has that id.
    @discardableResult
    public mutating func editNote(id: String, text: String, at: Date? = nil) -> Bool {
        guard let i = notes.firstIndex(where: { $0.id == id }) else { return false }
        notes[i].text = text
        notes[i].modified = wholeSeconds(at)
        return true
    }

    /// Attaches (or with nil, removes) evidence on a note. - Returns: false when no note has that id.
    @discardableResult
    public mutating func setEvidence(id: String, _ evidence: Evidence?, at: Date? = nil) -> Bool {
        guard let i = notes.firstIndex(where: { $0.id == id }) else { return false }
        notes[i].evidence = evidence
        notes[i].modified = wholeSeconds(at)
        return true
    }

    /// Removes a note. - Returns: false when no note has that id.
    @discardableResult
    public mutating func deleteNote(id: String) -> Bool {
        guard let i = notes.firstIndex(where: { $0.id == id }) else { return false }
        notes.remove(at: i)
        return true
    }

    /// The notes attached to exactly this anchor, in creation order.
    public func notes(at anchor: NoteAnchor) -> [Note] {
        notes.filter { $0.anchor == anchor }
    }

    /// The notes answering one message (any anchor with that Message-ID).
    public func notes(onMessage messageId: String) -> [Note] {
        notes.filter { $0.anchor.messageId == messageId }
    }

    /// Adds a manual link unless the same one exists.
    public mutating func addLink(_ link: ManualLink) {
        if !links.contains(link) { links.append(link) }
    }

    /// Removes a manual link. - Returns: whether it was there.
    @discardableResult
    public mutating func removeLink(_ link: ManualLink) -> Bool {
        guard let i = links.firstIndex(of: link) else { return false }
        links.remove(at: i)
        return true
    }

    /// Adds notes imported from elsewhere (a JSON export), giving each a fresh id; notes identical
    /// in anchor and text to an existing one are skipped.
    /// - Returns: the ids given to the notes actually added.
    @discardableResult
    public mutating func importNotes(_ imported: [Note]) -> [String] {
        var added: [String] = []
        for n in imported where !notes.contains(where: { $0.anchor == n.anchor && $0.text == n.text }) {
            var copy = n
            copy.id = "n\(nextNoteNumber)"
            nextNoteNumber += 1
            notes.append(copy)
            added.append(copy.id)
        }
        return added
    }

    /// This session with its notes replaced by what a view shows, losing nothing the view could
    /// not show.
    ///
    /// For a front end that keeps its own list of notes (anchor and text): a shown note equal in
    /// anchor and text to a stored one keeps that note (id, evidence, dates); one with the anchor
    /// of a stored note but other text is that note edited; the rest are new notes. Stored notes
    /// the view could show (`visible`) but that are no longer in `shown` were deleted; stored
    /// notes it could not show (orphans, other versions) are kept as they are.
    /// - Parameters:
    ///   - shown: the view's notes, in its order.
    ///   - visible: whether the view can show a note with this anchor.
    ///   - at: the time recorded on new and edited notes.
    public func synchronised(with shown: [(anchor: NoteAnchor, text: String)], visible: (NoteAnchor) -> Bool,
                             at: Date? = nil) -> Session {
        var result = self
        var remaining = notes
        var kept: [Note] = []
        var fresh: [(NoteAnchor, String)] = []
        for item in shown {
            if let i = remaining.firstIndex(where: { $0.anchor == item.anchor && $0.text == item.text }) {
                kept.append(remaining.remove(at: i))
            } else {
                fresh.append((item.anchor, item.text))
            }
        }
        var edited: [Note] = []
        for (anchor, text) in fresh {
            if let i = remaining.firstIndex(where: { $0.anchor == anchor && visible($0.anchor) }) {
                var n = remaining.remove(at: i)
                n.text = text
                n.modified = wholeSeconds(at)
                edited.append(n)
            } else {
                let when = wholeSeconds(at)
                edited.append(Note(id: "n\(result.nextNoteNumber)", anchor: anchor, text: text, created: when, modified: when))
                result.nextNoteNumber += 1
            }
        }
        let hidden = remaining.filter { !visible($0.anchor) }
        let keep = Set((kept + edited + hidden).map(\.id))
        // Stored order first (stable ids, stable file diffs), then the new notes.
        let byId = Dictionary((kept + edited + hidden).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let stored = notes.compactMap { keep.contains($0.id) ? byId[$0.id] : nil }
        let storedIds = Set(notes.map(\.id))
        result.notes = stored + edited.filter { !storedIds.contains($0.id) }
        return result
    }

    // MARK: location

    /// `reviews/<series-slug>/session.json` under `workingDirectory`.
    public static func defaultURL(seriesSubject: String, workingDirectory: URL) -> URL {
        workingDirectory.appendingPathComponent("reviews")
            .appendingPathComponent(SeriesInfo.slug(seriesSubject))
            .appendingPathComponent("session.json")
    }
}

/// Series facts Notes needs without the whole review model: the cover letter and the slug.
public enum SeriesInfo {
    /// The cover letter: the first non-reply message whose subject has an `N/M` marker with N = 0,
    /// else the first message that is not a reply.
    public static func cover(in messages: [Message]) -> Message? {
        let roots = messages.filter { !isReply($0.subject) }
        if let zero = roots.first(where: { seriesIndex($0.subject) == 0 }) { return zero }
        return roots.first ?? messages.first
    }

    /// Whether a subject starts with a reply prefix (`Re:`, `RE:`, `AW:`, `Fwd:`).
    public static func isReply(_ subject: String) -> Bool {
        let s = subject.trimmingCharacters(in: .whitespaces).lowercased()
        return s.hasPrefix("re:") || s.hasPrefix("aw:") || s.hasPrefix("fwd:") || s.hasPrefix("fw:")
    }

    /// The `N` of a `[... N/M]` subject marker, if any.
    public static func seriesIndex(_ subject: String) -> Int? {
        guard let open = subject.firstIndex(of: "["), let close = subject[open...].firstIndex(of: "]") else { return nil }
        for token in subject[subject.index(after: open)..<close].split(whereSeparator: { $0 == " " || $0 == "," }) {
            let parts = token.split(separator: "/")
            if parts.count == 2, let n = Int(parts[0]), Int(parts[1]) != nil || parts[1] == "n" { return n }
        }
        return nil
    }

    /// The subject with reply prefixes and leading `[...]` tags removed.
    public static func cleanSubject(_ subject: String) -> String {
        var s = Substring(subject.trimmingCharacters(in: .whitespaces))
        while true {
            let lower = s.lowercased()
            if let p = ["re:", "aw:", "fwd:", "fw:"].first(where: { lower.hasPrefix($0) }) {
                s = s.dropFirst(p.count).drop(while: { $0 == " " })
            } else if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
                s = s[s.index(after: close)...].drop(while: { $0 == " " })
            } else {
                break
            }
        }
        return String(s)
    }

    /// A file-name-safe slug of the series subject: tags dropped, lowercase ASCII letters and
    /// digits, other runs turned into one `-`, at most 60 characters; `review` when nothing is left.
    public static func slug(_ subject: String) -> String {
        var out: [UInt8] = []
        for b in cleanSubject(subject).utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): out.append(b)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): out.append(b + 32)
            default: if let last = out.last, last != UInt8(ascii: "-") { out.append(UInt8(ascii: "-")) }
            }
            if out.count >= 60 { break }
        }
        while out.last == UInt8(ascii: "-") { out.removeLast() }
        return out.isEmpty ? "review" : String(decoding: out, as: UTF8.self)
    }
}

/// A time truncated to whole seconds, so it survives an ISO 8601 round trip unchanged.
func wholeSeconds(_ date: Date?) -> Date? {
    date.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
}
