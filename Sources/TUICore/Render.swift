import Linking

/// Draws the state into a screen of the given size. Pure: same state and size, same screen.
/// - Parameters:
///   - state: what to show.
///   - size: the terminal size (usually `state.size`).
/// - Returns: the finished screen; colours are stripped when `state.colors` is false.
public func render(_ state: AppState, size: Size) -> Screen {
    var screen = Screen(size: size)
    guard size.columns > 0, size.rows > 0 else { return screen }
    let layout = Layout(size: size, weights: state.weights, focus: state.focus, zoomed: state.zoomed)
    Renderer.tree(state, layout.rect(.tree), &screen)
    Renderer.patch(state, layout.rect(.patch), &screen)
    Renderer.model(state, layout.rect(.model), &screen)
    if !state.zoomed {
        for p in [Pane.tree, Pane.patch] {
            let r = layout.rect(p)
            guard r.maxX < size.columns else { continue }
            for y in r.y..<r.maxY { screen.rows[y][r.maxX] = Cell(text: "│", style: .dim) }
        }
    }
    Renderer.status(state, layout.status, &screen)
    if let o = state.overlay { Renderer.overlay(o, state, &screen) }
    return state.colors ? screen : screen.monochrome()
}

enum Renderer {
    static let cursorStyle = Style(attributes: .reverse)

    static func title(_ text: String, focused: Bool, _ r: Rect, _ screen: inout Screen) {
        guard r.width > 0, r.height > 0 else { return }
        let style = focused ? Style(foreground: .black, background: .cyan, attributes: .bold) : Style(attributes: .bold)
        screen.fill(Rect(x: r.x, y: r.y, width: r.width, height: 1), style: style)
        screen.write(" " + text, x: r.x, y: r.y, limit: r.width, style: style)
    }

    static func tree(_ state: AppState, _ r: Rect, _ screen: inout Screen) {
        guard r.width > 0 else { return }
        title("Thread (\(state.review.messages.count) messages)", focused: state.focus == .tree, r, &screen)
        let h = r.height - 1
        let entries = state.review.entries
        for row in 0..<max(0, h) {
            let i = state.tree.scroll + row
            guard i < entries.count else { break }
            let e = entries[i]
            let marker: String
            switch e.kind {
            case .series: marker = "▸ "
            case .version: marker = "◦ "
            case .cover: marker = "◆ "
            case .patch: marker = "● "
            case .reply, .message: marker = "↳ "
            }
            var spans = [Span(String(repeating: " ", count: min(e.depth, 12) * 2) + marker, .dim)]
            let labelStyle: Style = e.kind == .series || e.kind == .version ? .bold : (e.kind == .patch ? .fg(.green) : .plain)
            spans.append(Span(e.label, labelStyle))
            if e.commentCount > 0 { spans.append(Span(" (\(e.commentCount))", .fg(.yellow))) }
            for b in e.badges { spans.append(Span(" " + b, .fg(.green, .bold))) }
            let line = CellLine(spans)
            let selected = i == state.tree.cursor
            let current = e.message != nil && e.message == state.message
            let overlay: Style? = selected && state.focus == .tree ? cursorStyle : (selected || current ? Style(attributes: .underline) : nil)
            if let o = overlay { screen.fill(Rect(x: r.x, y: r.y + 1 + row, width: r.width, height: 1), style: o) }
            drawTruncated(line, x: r.x, y: r.y + 1 + row, width: r.width, overlay: overlay, &screen)
        }
    }

    /// Draws a line, replacing its last visible column with `…` when it does not fit.
    static func drawTruncated(_ line: CellLine, x: Int, y: Int, width: Int, skip: Int = 0, overlay: Style? = nil, _ screen: inout Screen) {
        screen.draw(line, x: x, y: y, limit: width, skip: skip, overlay: overlay)
        if line.width - skip > width && width > 0 {
            var style = line.cells[min(line.cells.count - 1, skip + width - 1)].style
            if let o = overlay { style.attributes.formUnion(o.attributes) }
            // Do not leave the left half of a wide character before the ellipsis.
            var col = x + width - 1
            if col > x, screen.rows[y][col - 1].width == 2 { screen.rows[y][col - 1] = Cell(text: " ", style: style); col = x + width - 1 }
            screen.rows[y][col] = Cell(text: "…", style: style)
        }
    }

    static func patch(_ state: AppState, _ r: Rect, _ screen: inout Screen) {
        guard r.width > 0 else { return }
        var heading = "Patch"
        if let m = state.message, state.review.messages.indices.contains(m) {
            heading = state.review.messages[m].subject
        }
        title(heading, focused: state.focus == .patch, r, &screen)
        let h = r.height - 1
        for row in 0..<max(0, h) {
            let i = state.patch.scroll + row
            guard i < state.document.count else { break }
            let selected = i == state.patch.cursor
            let overlay: Style? = selected ? (state.focus == .patch ? cursorStyle : Style(attributes: .underline)) : nil
            if let o = overlay { screen.fill(Rect(x: r.x, y: r.y + 1 + row, width: r.width, height: 1), style: o) }
            drawTruncated(state.document[i].cells(width: r.width), x: r.x, y: r.y + 1 + row, width: r.width, overlay: overlay, &screen)
        }
    }

    static func modelLine(_ row: ModelRow, _ state: AppState) -> CellLine {
        guard let snap = state.snapshot else {
            if case .text(let t, _) = row { return CellLine(t, .dim) }
            return CellLine()
        }
        switch row {
        case .section(let t):
            return CellLine(t, .fg(.cyan, .bold))
        case .preset:
            return CellLine([Span(" preset      ", .dim), Span(snap.choice.preset, .bold),
                             Span("  (" + snap.presets.joined(separator: " ") + ")", .dim)])
        case .knob(let i):
            let k = snap.knobs[i]
            let overridden = snap.choice.overrides[k.id] != nil
            var spans = [Span(" " + DisplayWidth.pad(k.id, to: 18) + " ", .plain),
                         Span(k.value, overridden ? .fg(.magenta, .bold) : .bold)]
            if k.cosmetic { spans.append(Span("  cosmetic: header text only", .dim)) }
            return CellLine(spans)
        case .scenario(let i):
            let s = snap.scenarios[i]
            let changed = state.changed.contains(s.id)
            let mark = changed ? "*" : " "
            let outcomeStyle: Style = changed ? .fg(.yellow, .bold) : (s.passed == false ? .fg(.red) : .plain)
            return CellLine([Span(mark, changed ? .fg(.yellow, .bold) : .plain),
                             Span(DisplayWidth.pad(s.id, to: 4) + " ", .bold),
                             Span(s.outcome, outcomeStyle),
                             Span("  " + s.title, .dim)])
        case .text(let t, let kind):
            return CellLine(t, kind == .removed ? .fg(.red, .bold) : (kind == .context ? .fg(.green) : .plain))
        case .blank:
            return CellLine()
        }
    }

    static func model(_ state: AppState, _ r: Rect, _ screen: inout Screen) {
        guard r.width > 0 else { return }
        let t = state.snapshot.map { "Model: \($0.choice.preset)" + ($0.choice.overrides.isEmpty ? "" : " + \($0.choice.overrides.count) knob(s)") } ?? "Model"
        title(state.simulating ? t + " (simulating…)" : t, focused: state.focus == .model, r, &screen)
        let rows = state.modelRows
        let h = r.height - 1
        for row in 0..<max(0, h) {
            let i = state.modelPosition.scroll + row
            guard i < rows.count else { break }
            let selected = i == state.modelPosition.cursor
            let overlay: Style? = selected ? (state.focus == .model ? cursorStyle : Style(attributes: .underline)) : nil
            if let o = overlay { screen.fill(Rect(x: r.x, y: r.y + 1 + row, width: r.width, height: 1), style: o) }
            drawTruncated(modelLine(rows[i], state), x: r.x, y: r.y + 1 + row, width: r.width, overlay: overlay, &screen)
        }
    }

    static func status(_ state: AppState, _ r: Rect, _ screen: inout Screen) {
        guard r.height > 0 else { return }
        let style = Style(attributes: .reverse)
        screen.fill(r, style: style)
        var right = ""
        if state.unsaved { right += "[+] " }
        if !state.notes.isEmpty { right += (state.notes.count == 1 ? "1 note" : "\(state.notes.count) notes") + "  " }
        right += "? help  q quit"
        let rw = DisplayWidth.of(right)
        let left: String
        if case .searchPrompt(let t)? = state.overlay { left = "/" + Sanitizer.clean(t) + "▏" } else { left = Sanitizer.clean(state.status) }
        screen.write(" " + left, x: r.x, y: r.y, limit: max(0, r.width - rw - 1), style: style)
        if rw < r.width { screen.write(right, x: r.maxX - rw, y: r.y, limit: rw, style: style) }
    }

    static func box(_ title: String, _ lines: [CellLine], cursor: Int?, scroll: Int, width: Int, height: Int, _ screen: inout Screen) {
        let w = min(screen.size.columns - 2, width)
        let h = min(screen.size.rows - 2, height)
        guard w > 4, h > 2 else { return }
        let x = (screen.size.columns - w) / 2
        let y = (screen.size.rows - h) / 2
        let frame = Style(foreground: .cyan, attributes: .bold)
        screen.fill(Rect(x: x, y: y, width: w, height: h))
        screen.write("┌" + String(repeating: "─", count: w - 2) + "┐", x: x, y: y, limit: w, style: frame)
        screen.write("└" + String(repeating: "─", count: w - 2) + "┘", x: x, y: y + h - 1, limit: w, style: frame)
        for yy in (y + 1)..<(y + h - 1) {
            screen.rows[yy][x] = Cell(text: "│", style: frame)
            screen.rows[yy][x + w - 1] = Cell(text: "│", style: frame)
        }
        screen.write(" " + title + " ", x: x + 2, y: y, limit: w - 4, style: frame)
        let inner = h - 2
        var top = scroll
        if let c = cursor {
            if c >= top + inner { top = c - inner + 1 }
            if c < top { top = c }
        }
        top = clamp(top, 0, max(0, lines.count - inner))
        for row in 0..<inner {
            let i = top + row
            guard i < lines.count else { break }
            let sel = cursor == i
            if sel { screen.fill(Rect(x: x + 1, y: y + 1 + row, width: w - 2, height: 1), style: cursorStyle) }
            drawTruncated(lines[i], x: x + 2, y: y + 1 + row, width: w - 4, overlay: sel ? cursorStyle : nil, &screen)
        }
    }

    static func overlay(_ o: Overlay, _ state: AppState, _ screen: inout Screen) {
        let cols = screen.size.columns
        switch o {
        case .help(let scroll):
            let lines = Keymap.standard.helpLines().map { l in
                l.hasPrefix(" ") ? CellLine(l) : CellLine(l, .fg(.cyan, .bold))
            }
            box("patchlab keys (j/k scroll, any other key closes)", lines, cursor: nil, scroll: scroll, width: 64, height: lines.count + 2, &screen)
        case .links(let title, let entries, let cursor):
            box(title + " — Enter go, Esc close", entries.map { CellLine(Sanitizer.clean($0.label)) }, cursor: cursor, scroll: 0,
                width: max(40, cols * 3 / 4), height: entries.count + 2, &screen)
        case .noteEditor(_, let text):
            let lines = [CellLine("Note on this line (Enter saves, Esc cancels, e uses $EDITOR):", .dim),
                         CellLine([Span(Sanitizer.clean(text)), Span("▏", .bold)])]
            box("Add note", lines, cursor: nil, scroll: 0, width: max(40, cols * 2 / 3), height: 4, &screen)
        case .confirmQuit:
            let lines = [CellLine("There are unsaved notes or design changes."),
                         CellLine("s save and quit   y quit without saving   any other key: stay", .bold)]
            box("Quit?", lines, cursor: nil, scroll: 0, width: 66, height: 4, &screen)
        case .searchPrompt:
            break
        case .linkPrompt(let anchor, let targets, let cursor):
            let mine = Set(state.manualLinks.filter { $0.message == anchor.message
                && state.linkCarrier(message: anchor.message, line: $0.line) == state.linkCarrier(message: anchor.message, line: anchor.line) }
                .map(\.target))
            let lines = targets.map { t -> CellLine in
                let title = state.snapshot.flatMap { s in
                    t.kind == .knob ? s.knobs.first { $0.id == t.id }?.title : s.scenarios.first { $0.id == t.id }?.title
                } ?? ""
                let mark = mine.contains(t) ? "✓ " : "  "
                return CellLine([Span(mark, .fg(.green, .bold)), Span(t.badge + "  "), Span(Sanitizer.clean(title), .dim)])
            }
            box("Link this line to (Enter link/unlink ✓, Esc close)", lines, cursor: cursor, scroll: 0,
                width: max(40, cols * 2 / 3), height: lines.count + 2, &screen)
        case .exportPrompt(let cursor):
            let lines = ExportFormat.allCases.map { f -> CellLine in
                switch f {
                case .reply: return CellLine("r  reply mails (mbox, one per patch with notes)")
                case .markdown: return CellLine("m  markdown report")
                case .json: return CellLine("j  JSON (notes, anchors, evidence; importable)")
                }
            }
            box("Export notes as (Enter or letter, Esc cancel)", lines, cursor: cursor, scroll: 0, width: 60, height: lines.count + 2, &screen)
        }
    }
}
