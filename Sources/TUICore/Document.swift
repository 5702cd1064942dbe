import Linking

/// Turns a message's lines (and the notes on them) into pre-split patch pane rows.
public enum DocumentBuilder {
    /// The style of a line kind (colour; `render` strips colour on monochrome terminals).
    public static func style(_ kind: LineKind) -> Style {
        switch kind {
        case .header: return .fg(.cyan, .bold)
        case .text, .separator: return .plain
        case .quote: return .fg(.blue)
        case .trailer: return .fg(.green, .dim)
        case .fileHeader: return .fg(.white, .bold)
        case .hunkHeader: return .fg(.cyan)
        case .context: return .plain
        case .added: return .fg(.green)
        case .removed: return .fg(.red)
        case .commentHeader: return .fg(.yellow, .bold)
        case .comment: return .fg(.yellow)
        case .noteHeader: return .fg(.magenta, .bold)
        case .note: return .fg(.magenta)
        }
    }

    static let badgeStyle = Style(foreground: .cyan, attributes: .dim)
    static let gutterStyle = Style(attributes: .dim)

    private static func number(_ n: Int?) -> String {
        guard let n else { return "    " }
        let s = String(n)
        return s.count >= 4 ? s : String(repeating: " ", count: 4 - s.count) + s
    }

    /// The spans of one message line: gutter with old/new line numbers for diff lines, the text,
    /// and link badges.
    public static func spans(for line: ReviewLine) -> [Span] {
        var spans: [Span] = []
        switch line.kind {
        case .context, .added, .removed, .hunkHeader:
            spans.append(Span(number(line.oldLine) + " " + number(line.newLine) + " ", gutterStyle))
        case .comment:
            spans.append(Span("  │ ", style(.comment)))
        case .commentHeader:
            spans.append(Span("  » ", style(.commentHeader)))
        default:
            break
        }
        spans.append(Span(line.text, style(line.kind)))
        if !line.links.isEmpty && line.kind != .comment {
            var seen = Set<LinkTarget>()
            for l in line.links where seen.insert(l.target).inserted {
                spans.append(Span(" " + l.target.badge, badgeStyle))
            }
        }
        return spans
    }

    /// Rows for a message: each line, then the notes anchored to it.
    public static func rows(for message: MessageView, message index: Int, notes: [NoteView]) -> [DocRow] {
        var byLine: [Int: [Int]] = [:]
        for (i, n) in notes.enumerated() where n.message == index { byLine[n.line, default: []].append(i) }
        var rows: [DocRow] = []
        rows.reserveCapacity(message.lines.count + notes.count * 2)
        for (i, line) in message.lines.enumerated() {
            rows.append(DocRow(spans: spans(for: line), line: i, kind: line.kind, note: nil))
            for ni in byLine[i] ?? [] {
                rows.append(DocRow(spans: [Span("  ✎ note", style(.noteHeader))], line: i, kind: .noteHeader, note: ni))
                for t in Sanitizer.lines(notes[ni].text) {
                    rows.append(DocRow(spans: [Span("  ┊ ", style(.note)), Span(t, style(.note))], line: i, kind: .note, note: ni))
                }
                if let ev = notes[ni].evidence {
                    var shown = ["evidence under \(ev.design):"]
                    for s in ev.scenarios {
                        shown.append("  \(s.id) \(s.outcome)")
                        shown += s.warnings.map { "    ⚠ \($0)" }
                    }
                    for t in shown {
                        rows.append(DocRow(spans: [Span("  ┊ ", style(.note)), Span(Sanitizer.clean(t), style(.note))],
                                           line: i, kind: .note, note: ni))
                    }
                }
            }
        }
        return rows
    }
}

/// Pane rectangles for a terminal size: three columns (tree, patch, model) over a status line.
public struct Layout: Sendable, Equatable {
    public var panes: [Rect]
    public var status: Rect

    /// Splits `size` by `weights`; with `zoom`, the focused pane takes the whole width.
    public init(size: Size, weights: [Int], focus: Pane, zoomed: Bool) {
        let h = max(0, size.rows - 1)
        status = Rect(x: 0, y: h, width: size.columns, height: size.rows > 0 ? 1 : 0)
        if zoomed {
            panes = Pane.allCases.map { $0 == focus ? Rect(x: 0, y: 0, width: size.columns, height: h) : Rect(x: 0, y: 0, width: 0, height: 0) }
            return
        }
        let usable = max(0, size.columns - 2)
        let total = max(1, weights.reduce(0, +))
        var widths = weights.map { $0 * usable / total }
        widths[1] += usable - widths.reduce(0, +)
        var x = 0
        var rects: [Rect] = []
        for (i, w) in widths.enumerated() {
            rects.append(Rect(x: x, y: 0, width: w, height: h))
            x += w + (i < 2 ? 1 : 0)
        }
        panes = rects
    }

    public func rect(_ pane: Pane) -> Rect { panes[pane.rawValue] }

    /// Rows available for content in a pane (the first row is its title).
    public func contentHeight(_ pane: Pane) -> Int { max(0, rect(pane).height - 1) }
}
