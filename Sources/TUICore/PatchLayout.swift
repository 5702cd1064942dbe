import Foundation
import Linking
import ReviewCore

/// A comment as a patch or cover-letter layout places it: what it is anchored to and the
/// content of its rows.
struct PlacedComment: Sendable, Equatable {
    /// Index into the review's comments (and `ReviewView.comments`).
    var index: Int
    var anchor: Anchor
    /// `author, date`: the text of its header row.
    var heading: String
    var text: String
    var links: [Link]
}

/// The rows of a patch or cover letter, built with each comment under the line it answers, and
/// the row of each comment's header.
struct MessageLayout {
    var lines: [ReviewLine] = []
    /// Row of each placed comment's header, by comment index.
    var placed: [Int: Int] = [:]
    let linker: Linker

    init(linker: Linker, header: [ReviewLine]) {
        self.linker = linker
        lines = header
    }

    mutating func append(_ c: PlacedComment) {
        placed[c.index] = lines.count
        lines.append(ReviewLine(.commentHeader, c.heading, links: c.links, comment: c.index))
        for t in Sanitizer.lines(c.text) { lines.append(ReviewLine(.comment, t, comment: c.index)) }
    }

    /// Prose paragraphs, each followed by the comments anchored to it.
    mutating func appendParagraphs(_ text: String, comments mine: [PlacedComment]) {
        var paragraph = 0
        var inParagraph = false
        func flush(_ p: Int, _ layout: inout MessageLayout) {
            for c in mine where layout.placed[c.index] == nil {
                if case .commitMessage(_, let cp) = c.anchor, cp == p { layout.append(c) }
            }
        }
        for raw in Sanitizer.rawLines(text) {
            if ReviewViewBuilder.isBlank(raw) {
                if inParagraph { flush(paragraph, &self); paragraph += 1; inParagraph = false }
                lines.append(ReviewLine(.text, ""))
            } else {
                inParagraph = true
                lines.append(ReviewLine(.text, Sanitizer.clean(raw), links: linker.links(in: raw, phrases: false)))
            }
        }
        if inParagraph { flush(paragraph, &self) }
    }

    /// A diff line as comments anchor to it: file, side and line number.
    private struct LineKey: Hashable {
        var path: String
        var side: Side
        var line: Int
    }

    /// The whole patch: header, commit message, trailers, diffstat, then every file and hunk with
    /// the comments on their lines, and last the comments on the patch as a whole.
    static func patch(_ d: DeferredPatch.Content) -> MessageLayout {
        let p = d.patch
        var layout = MessageLayout(linker: d.linker, header: ReviewViewBuilder.header(d.author, d.date, Sanitizer.clean(p.subject)))
        if p.partial {
            layout.lines.append(ReviewLine(.text, "(reconstructed from the quotes of replies: the patch mail is not in the input)"))
        }
        layout.appendParagraphs(p.commitMessage, comments: d.comments)
        if !p.trailers.isEmpty {
            layout.lines.append(ReviewLine(.separator, ""))
            for t in p.trailers {
                layout.lines.append(ReviewLine(.trailer, Sanitizer.clean(t.line) + (t.collected ? "  (from a reply)" : "")))
            }
        }
        if !p.diffstat.isEmpty {
            layout.lines.append(ReviewLine(.separator, "---"))
            for s in p.diffstat {
                layout.lines.append(ReviewLine(.text, " " + Sanitizer.clean(s.path) + " | " + Sanitizer.clean(s.graph)))
            }
            if let s = p.diffstatSummary { layout.lines.append(ReviewLine(.text, Sanitizer.clean(s))) }
        }
        // Room for every diff row at once (a large patch would otherwise regrow its rows many times).
        let diffRows = p.files.reduce(0) { $0 + 2 + $1.hunks.reduce(0) { $0 + 1 + $1.lines.count } }
        layout.lines.reserveCapacity(layout.lines.count + diffRows + 2)
        var byLine: [LineKey: [PlacedComment]] = [:]
        for c in d.comments {
            if case .line(_, let file, let side, let n) = c.anchor {
                byLine[LineKey(path: file, side: side, line: n), default: []].append(c)
            }
        }
        for f in p.files {
            layout.lines.append(ReviewLine(.separator, ""))
            let path = Sanitizer.clean(f.path)
            layout.lines.append(ReviewLine(.fileHeader, "\(f.change.rawValue) \(path)  +\(f.added) -\(f.removed)",
                                           links: d.linker.links(in: f.path)))
            for h in f.hunks {
                layout.lines.append(ReviewLine(.hunkHeader, Sanitizer.clean(h.header), old: nil, new: nil,
                                               links: d.linker.links(in: h.section, phrases: false)))
                for (li, l) in h.lines.enumerated() {
                    let kind: LineKind
                    switch l.kind {
                    case .context: kind = .context
                    case .added: kind = .added
                    case .removed: kind = .removed
                    case .noNewline: kind = .text
                    }
                    var line = ReviewLine(kind, Sanitizer.clean(l.diffText), old: l.oldLine, new: l.newLine,
                                          links: kind == .context ? [] : d.linker.links(in: String(l.text), phrases: false))
                    line.position = DiffPosition(path: f.path, hunk: h.index, index: li)
                    layout.lines.append(line)
                    guard !byLine.isEmpty else { continue }
                    if let n = l.newLine {
                        for c in byLine[LineKey(path: f.path, side: .new, line: n)] ?? [] where layout.placed[c.index] == nil {
                            layout.append(c)
                        }
                    }
                    if let n = l.oldLine {
                        for c in byLine[LineKey(path: f.path, side: .old, line: n)] ?? [] where layout.placed[c.index] == nil {
                            layout.append(c)
                        }
                    }
                }
            }
        }
        let rest = d.comments.filter { layout.placed[$0.index] == nil }
        if !rest.isEmpty {
            layout.lines.append(ReviewLine(.separator, ""))
            layout.lines.append(ReviewLine(.separator, "── comments on the patch as a whole ──"))
            for c in rest { layout.append(c) }
        }
        return layout
    }
}

/// A patch whose rows are built when it is first shown (opening a large archive lays out no
/// patch but the first), with what the layout needs.
public struct DeferredPatch: Sendable, Hashable {
    /// Shared, immutable: copying a message view does not copy the patch.
    final class Content: Sendable {
        let patch: Patch
        let author: String
        let date: String
        /// The comments to place in it, in review order.
        let comments: [PlacedComment]
        let linker: Linker

        init(patch: Patch, author: String, date: String, comments: [PlacedComment], linker: Linker) {
            self.patch = patch
            self.author = author
            self.date = date
            self.comments = comments
            self.linker = linker
        }
    }

    let content: Content

    /// Whether any comment is placed in it.
    var hasComments: Bool { !content.comments.isEmpty }

    public static func == (a: DeferredPatch, b: DeferredPatch) -> Bool {
        a.content === b.content || (a.content.patch == b.content.patch && a.content.author == b.content.author
            && a.content.date == b.content.date && a.content.comments == b.content.comments)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(content.patch.messageId) }
}

extension ReviewView {
    /// Builds the rows of message `m` if they are still deferred (a plain body, or a patch
    /// together with the rows of its comments, which are then recorded in `comments`).
    public mutating func materialize(_ m: Int) {
        guard messages.indices.contains(m) else { return }
        if let d = messages[m].deferredPatch {
            let layout = MessageLayout.patch(d.content)
            messages[m].lines = layout.lines
            messages[m].deferredPatch = nil
            for (ci, row) in layout.placed where comments.indices.contains(ci) {
                comments[ci].line = row
            }
        }
        if messages[m].deferredBody != nil { messages[m] = messages[m].materialized() }
    }

    /// Builds the rows of every message still deferred (a search reads them all).
    public mutating func materializeAll() {
        for m in messages.indices where messages[m].isDeferred { materialize(m) }
    }
}
