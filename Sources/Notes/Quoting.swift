import Foundation
import MailCore

/// One piece of a reply body that answers a message: quoted lines, a trim marker, or a note.
public enum QuoteItem: Sendable, Equatable {
    /// Lines of the original, unprefixed (the renderer adds `> `).
    case quote([String])
    /// Lines of the original were left out here (`[...]`).
    case trim
    /// A note answering what was quoted just before.
    case note(Note)
}

/// Decides which parts of a message to quote around the notes that answer it.
public enum QuotePlanner {
    /// Lines of context quoted before and after a noted line.
    public static let contextLines = 3

    /// The quote plan of a reply to `message` carrying `notes` (all answering that message).
    ///
    /// Line and hunk notes quote their file header (`diff --git` … `+++`), the `@@` line and the
    /// noted lines with `contextLines` lines around them, `[...]` marking what was trimmed; comment
    /// notes quote the comment; patch and series notes come last, after a short quote of the start
    /// of the message when nothing else was quoted.
    public static func plan(message: Message, patch: PatchText?, notes: [Note]) -> [QuoteItem] {
        var items: [QuoteItem] = []
        let lineNotes = notes.filter { if case .line = $0.anchor { return true } else { return false } }
        let hunkNotes = notes.filter { if case .hunk = $0.anchor { return true } else { return false } }
        let commentNotes = notes.filter { if case .comment = $0.anchor { return true } else { return false } }
        var general = notes.filter {
            switch $0.anchor { case .patch, .series: return true; default: return false }
        }
        var unplaced: [Note] = []

        if let patch {
            // (file, hunk) -> notes per line index, and hunk-level notes.
            var perHunk: [HunkKey: [Int: [Note]]] = [:]
            var perHunkWhole: [HunkKey: [Note]] = [:]
            for n in lineNotes {
                guard case .line(let l) = n.anchor, let loc = patch.locate(path: l.path, side: l.side, line: l.line),
                      let f = patch.files.firstIndex(where: { $0.path == l.path }) else {
                    unplaced.append(n)
                    continue
                }
                perHunk[HunkKey(file: f, hunk: loc.hunk), default: [:]][loc.line, default: []].append(n)
            }
            for n in hunkNotes {
                guard case .hunk(let h) = n.anchor, let f = patch.files.firstIndex(where: { $0.path == h.path }),
                      patch.files[f].hunks.indices.contains(h.index) else {
                    unplaced.append(n)
                    continue
                }
                perHunkWhole[HunkKey(file: f, hunk: h.index), default: []].append(n)
            }
            let keys = Set(perHunk.keys).union(perHunkWhole.keys).sorted()
            var lastFile = -1
            var lastHunkShown: HunkKey?
            for key in keys {
                let file = patch.files[key.file]
                let hunk = file.hunks[key.hunk]
                var block: [String] = []
                if key.file != lastFile {
                    if let prev = lastHunkShown, prev.hunk + 1 < patch.files[prev.file].hunks.count || prev.file + 1 != key.file {
                        // Later hunks of the previous file, or whole files, are left out.
                        items.append(.trim)
                    }
                    block += file.headerLines
                    if key.hunk > 0 {
                        items.append(.quote(block))
                        items.append(.trim)
                        block = []
                    }
                    lastFile = key.file
                } else if let prev = lastHunkShown, prev.hunk + 1 != key.hunk {
                    items.append(.trim)
                }
                lastHunkShown = key
                block.append(hunk.header)
                var windows: [ClosedRange<Int>] = []
                let noted = (perHunk[key] ?? [:]).keys.sorted()
                for i in noted {
                    let w = max(0, i - contextLines)...i
                    if let last = windows.last, w.lowerBound <= last.upperBound + 1 + contextLines {
                        windows[windows.count - 1] = last.lowerBound...i
                    } else {
                        windows.append(w)
                    }
                }
                let whole = perHunkWhole[key] ?? []
                if windows.isEmpty {
                    // A hunk note: the first lines of the hunk stand for it.
                    let shown = min(hunk.lines.count, contextLines * 2)
                    block += hunk.lines.prefix(shown).map(\.raw)
                    items.append(.quote(block))
                    if shown < hunk.lines.count { items.append(.trim) }
                    items += whole.map(QuoteItem.note)
                    continue
                }
                var cursor = 0
                for w in windows {
                    if w.lowerBound > cursor {
                        if !block.isEmpty { items.append(.quote(block)); block = [] }
                        items.append(.trim)
                    }
                    for i in w {
                        block.append(hunk.lines[i].raw)
                        if let ns = perHunk[key]?[i] {
                            // Keep the lines right after a noted line visible too.
                            items.append(.quote(block))
                            block = []
                            items += ns.map(QuoteItem.note)
                        }
                    }
                    cursor = w.upperBound + 1
                    let after = min(hunk.lines.count, cursor + contextLines)
                    if cursor < after {
                        // Trailing context belongs to the quote that follows the last note.
                        items.append(.quote(hunk.lines[cursor..<after].map(\.raw)))
                        cursor = after
                    }
                }
                if !block.isEmpty { items.append(.quote(block)) }
                if cursor < hunk.lines.count { items.append(.trim) }
                items += whole.map(QuoteItem.note)
            }
            if let last = lastHunkShown,
               last.hunk + 1 < patch.files[last.file].hunks.count || last.file + 1 < patch.files.count {
                items.append(.trim)
            }
        } else {
            unplaced += lineNotes + hunkNotes
        }

        for n in commentNotes.sorted(by: commentOrder) {
            guard case .comment(let c) = n.anchor else { continue }
            if !items.isEmpty, items.last != .trim { items.append(.trim) }
            items.append(.quote(c.excerpt.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)))
            items.append(.note(n))
        }

        general += unplaced
        if !general.isEmpty {
            if items.isEmpty {
                let opening = openingLines(message.body)
                items.append(.quote(opening.lines))
                if opening.trimmed { items.append(.trim) }
            } else if items.last != .trim {
                items.append(.trim)
            }
            items += general.map(QuoteItem.note)
        }
        return merged(items)
    }

    /// The first paragraph of a body (at most three lines) and whether more followed.
    static func openingLines(_ body: String) -> (lines: [String], trimmed: Bool) {
        let all = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = all.firstIndex { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? 0
        var lines: [String] = []
        var i = start
        while i < all.count, lines.count < contextLines, !all[i].trimmingCharacters(in: .whitespaces).isEmpty {
            lines.append(all[i])
            i += 1
        }
        let rest = all[i...].contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return (lines, rest)
    }

    /// Adjacent quotes joined, repeated trims collapsed.
    private static func merged(_ items: [QuoteItem]) -> [QuoteItem] {
        var out: [QuoteItem] = []
        for item in items {
            switch (out.last, item) {
            case (.quote(let a)?, .quote(let b)):
                out[out.count - 1] = .quote(a + b)
            case (.trim?, .trim):
                continue
            case (_, .quote(let b)) where b.isEmpty:
                continue
            default:
                out.append(item)
            }
        }
        return out
    }

    private static func commentOrder(_ a: Note, _ b: Note) -> Bool {
        guard case .comment(let x) = a.anchor, case .comment(let y) = b.anchor else { return false }
        return x.index < y.index
    }

    private struct HunkKey: Hashable, Comparable {
        var file: Int
        var hunk: Int
        static func < (a: HunkKey, b: HunkKey) -> Bool { (a.file, a.hunk) < (b.file, b.hunk) }
    }
}
