import Foundation
import MailCore

/// The Markdown report of a session's notes (design §6 (b)).
public enum MarkdownReport {
    /// Renders the report: per message (cover and patches in input order), per note its place,
    /// the quoted code in a fenced `diff` block, the note, and an evidence table.
    public static func render(session: Session, messages: [Message]) -> String {
        var byId: [String: Message] = [:]
        for m in messages where byId[m.messageId] == nil { byId[m.messageId] = m }
        let coverId = session.input.coverMessageId ?? SeriesInfo.cover(in: messages)?.messageId
        var out = "# Review notes: \(inline(session.input.seriesSubject))\n\n"
        out += "- Source: `\(code(session.input.source))`\n"
        out += "- Messages in thread: \(session.input.messageIds.count)\n"
        if let d = session.design { out += "- Design: `\(code(d))`\n" }
        out += "- Notes: \(session.notes.count)\n"
        if !session.links.isEmpty {
            out += "- Manual links: " + session.links.map { "`\(code($0.target))` (\(inline($0.reason)))" }.joined(separator: ", ") + "\n"
        }
        out += "\n"

        var groups: [String: [Note]] = [:]
        var orphans: [Note] = []
        for n in session.notes {
            if let id = n.anchor.messageId ?? coverId, byId[id] != nil {
                groups[id, default: []].append(n)
            } else {
                orphans.append(n)
            }
        }
        for m in messages where groups[m.messageId] != nil {
            guard let notes = groups.removeValue(forKey: m.messageId) else { continue }
            out += "## \(inline(m.subject))\n\n"
            let who = m.from.name.isEmpty ? m.from.email : m.from.name
            out += "`<\(code(m.messageId))>`, \(inline(who))\(m.rawDate.isEmpty ? "" : ", " + inline(m.rawDate))\n\n"
            let patch = PatchText(message: m)
            for n in sorted(notes, in: patch) {
                out += section(for: n, patch: patch)
            }
        }
        if !orphans.isEmpty {
            out += "## Notes whose message is not in this input\n\n"
            for n in orphans { out += section(for: n, patch: nil) }
        }
        if !session.citedEvidence.isEmpty {
            out += "## Cited evidence\n\n"
            for e in session.citedEvidence { out += evidenceTable(e) }
        }
        return out
    }

    private static func sorted(_ notes: [Note], in patch: PatchText) -> [Note] {
        func key(_ n: Note) -> (Int, Int) {
            switch n.anchor {
            case .series: return (0, 0)
            case .patch: return (1, 0)
            case .hunk(let h):
                let f = patch.files.firstIndex { $0.path == h.path } ?? 0
                let body = patch.files.indices.contains(f) && patch.files[f].hunks.indices.contains(h.index)
                    ? patch.files[f].hunks[h.index].headerIndex : h.newStart
                return (2, f * 1_000_000 + body)
            case .line(let l):
                let f = patch.files.firstIndex { $0.path == l.path } ?? 0
                let body = patch.locate(path: l.path, side: l.side, line: l.line)
                    .map { patch.files[f].hunks[$0.hunk].lines[$0.line].bodyIndex } ?? l.line
                return (2, f * 1_000_000 + body)
            case .comment(let c): return (3, c.index)
            }
        }
        return notes.enumerated().sorted { a, b in
            let ka = key(a.element), kb = key(b.element)
            return ka != kb ? ka < kb : a.offset < b.offset
        }.map(\.element)
    }

    private static func section(for n: Note, patch: PatchText?) -> String {
        var out = "### `\(code(NoteText.location(n.anchor)))`\n\n"
        let snippet = patch.map { NoteText.snippet(for: n.anchor, in: $0) } ?? []
        if !snippet.isEmpty {
            out += fence(snippet, language: "diff")
        } else if case .comment(let c) = n.anchor {
            out += c.excerpt.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n") + "\n\n"
        }
        out += n.text.trimmingCharacters(in: .newlines) + "\n\n"
        if let e = n.evidence { out += evidenceTable(e) }
        return out
    }

    private static func evidenceTable(_ e: Evidence) -> String {
        var out = "**Evidence** (design `\(code(e.design))`)\n\n"
        out += "| Scenario | Outcome | Warnings |\n| --- | --- | --- |\n"
        for s in e.scenarios {
            let name = s.title.isEmpty ? s.id : "\(s.id) \(s.title)"
            out += "| \(cell(name)) | \(cell(s.outcome)) | \(s.warnings.isEmpty ? "none" : s.warnings.map(cell).joined(separator: "<br>")) |\n"
        }
        if e.scenarios.isEmpty { out += "| (none linked) | | |\n" }
        return out + "\n"
    }

    /// A fenced block long enough not to be closed by backticks inside the lines.
    private static func fence(_ lines: [String], language: String) -> String {
        var longest = 0
        for l in lines {
            var run = 0
            for c in l { run = c == "`" ? run + 1 : 0; longest = max(longest, run) }
        }
        let f = String(repeating: "`", count: max(3, longest + 1))
        return f + language + "\n" + lines.joined(separator: "\n") + "\n" + f + "\n\n"
    }

    private static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "<br>")
    }

    private static func inline(_ s: String) -> String {
        var out = ""
        for c in s {
            if "\\`*_[]<>#|".contains(c) { out.append("\\") }
            out.append(c == "\n" ? " " : c)
        }
        return out
    }

    private static func code(_ s: String) -> String { s.replacingOccurrences(of: "`", with: "'") }
}

/// Text helpers shared by the reports: where a note sits and the code it points at.
public enum NoteText {
    /// A human location: `include/linux/mm.h:+164`, `mm/x.c hunk 2 (@@ -10 +12 @@)`, `comment 3`.
    public static func location(_ anchor: NoteAnchor) -> String {
        switch anchor {
        case .series: return "whole series"
        case .patch: return "whole patch"
        case .hunk(let h): return "\(h.path) hunk \(h.index + 1) (@@ -\(h.oldStart) +\(h.newStart) @@)"
        case .line(let l): return "\(l.path):\(l.side == .new ? "+" : "-")\(l.line)"
        case .comment(let c): return "comment \(c.index + 1) of <\(c.messageId)>"
        }
    }

    /// The diff lines a note points at, with the `@@` header and `contextLines` lines around.
    public static func snippet(for anchor: NoteAnchor, in patch: PatchText, context: Int = QuotePlanner.contextLines) -> [String] {
        switch anchor {
        case .line(let l):
            guard let loc = patch.locate(path: l.path, side: l.side, line: l.line), let f = patch.file(l.path) else { return [] }
            let hunk = f.hunks[loc.hunk]
            let low = max(0, loc.line - context), high = min(hunk.lines.count - 1, loc.line + context)
            return [hunk.header] + hunk.lines[low...high].map(\.raw)
        case .hunk(let h):
            guard let f = patch.file(h.path), f.hunks.indices.contains(h.index) else { return [] }
            return [f.hunks[h.index].header] + f.hunks[h.index].rawLines
        default:
            return []
        }
    }
}

/// The JSON export of notes (design §6 (c)): notes with anchors, evidence and the quoted code,
/// importable back with `NotesJSON.importNotes`.
public struct NotesJSON: Sendable, Equatable, Codable {
    /// The format tag of the file (`patchlab-notes`).
    public static let formatName = "patchlab-notes"

    /// One exported note: the note itself plus read-only context for other tools.
    public struct Entry: Sendable, Equatable, Codable {
        public var note: Note
        /// Human location (`path:+line`).
        public var location: String
        /// Subject of the message the note answers, when it is in the input.
        public var subject: String?
        /// The quoted code around a line or hunk note.
        public var quoted: [String]
    }

    public var format: String
    public var formatVersion: Int
    public var input: InputIdentity
    public var design: String?
    public var links: [ManualLink]
    public var notes: [Entry]

    /// The export of a session against the messages it was re-attached to.
    public init(session: Session, messages: [Message]) {
        var byId: [String: Message] = [:]
        for m in messages where byId[m.messageId] == nil { byId[m.messageId] = m }
        var patches: [String: PatchText] = [:]
        format = Self.formatName
        formatVersion = Session.currentFormatVersion
        input = session.input
        design = session.design
        links = session.links
        notes = session.notes.map { n in
            let id = n.anchor.messageId
            var quoted: [String] = []
            if let id, let m = byId[id] {
                let p = patches[id] ?? PatchText(message: m)
                patches[id] = p
                quoted = NoteText.snippet(for: n.anchor, in: p)
            }
            return Entry(note: n, location: NoteText.location(n.anchor), subject: id.flatMap { byId[$0]?.subject }, quoted: quoted)
        }
    }

    /// The export as JSON bytes (sorted keys, pretty, final newline).
    public func encoded() throws -> Data {
        var d = try SessionStore.encoder().encode(self)
        d.append(0x0A)
        return d
    }

    /// Why a file cannot be imported.
    public struct ImportError: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The notes of a JSON export, exactly as they were exported.
    /// - Throws: `ImportError` for a file that is not a notes export, or from a newer version.
    public static func importNotes(_ data: Data) throws(ImportError) -> [Note] {
        let decoded: NotesJSON
        do {
            decoded = try SessionStore.decoder().decode(NotesJSON.self, from: data)
        } catch {
            throw ImportError(reason: "not a patchlab notes export: \(shortReason(error))")
        }
        guard decoded.format == formatName else { throw ImportError(reason: "format is \(decoded.format), not \(formatName)") }
        guard decoded.formatVersion <= Session.currentFormatVersion else {
            throw ImportError(reason: "notes export version \(decoded.formatVersion) is newer than supported (\(Session.currentFormatVersion))")
        }
        return decoded.notes.map(\.note)
    }
}
