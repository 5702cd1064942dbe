/// The eight terminal colours the UI uses; `nil` in a `Style` means the terminal default.
public enum Color: UInt8, Sendable, Equatable, Hashable, CaseIterable {
    case black, red, green, yellow, blue, magenta, cyan, white
}

/// Text attributes a cell can carry.
public struct Attributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Attributes(rawValue: 1 << 0)
    public static let reverse = Attributes(rawValue: 1 << 1)
    public static let dim = Attributes(rawValue: 1 << 2)
    public static let underline = Attributes(rawValue: 1 << 3)
}

/// How a cell is drawn: foreground and background colour plus attributes.
public struct Style: Sendable, Hashable {
    public var foreground: Color?
    public var background: Color?
    public var attributes: Attributes
    public init(foreground: Color? = nil, background: Color? = nil, attributes: Attributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }
    public static let plain = Style()
    public static let bold = Style(attributes: .bold)
    public static let reverse = Style(attributes: .reverse)
    public static let dim = Style(attributes: .dim)
    public static func fg(_ c: Color, _ a: Attributes = []) -> Style { Style(foreground: c, attributes: a) }

    /// The same style with colours removed (monochrome terminals, `NO_COLOR`).
    public var monochrome: Style { Style(attributes: attributes) }
}

/// One terminal cell: a grapheme, its width (1 or 2; 0 for the right half of a wide one) and style.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var width: UInt8
    public var style: Style
    public init(text: String, width: UInt8 = 1, style: Style = .plain) {
        self.text = text
        self.width = width
        self.style = style
    }
    public static let blank = Cell(text: " ")
    /// The right half of a wide character.
    public static func continuation(_ style: Style) -> Cell { Cell(text: "", width: 0, style: style) }
}

/// Terminal dimensions in cells.
public struct Size: Sendable, Hashable {
    public var columns: Int
    public var rows: Int
    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }
}

/// A rectangle of cells.
public struct Rect: Sendable, Hashable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
}

/// A run of text with one style, already sanitised and measured.
public struct Span: Sendable, Hashable {
    public var text: String
    public var style: Style
    public init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// Pre-split cells of a line, so that drawing a scrolled pane never re-measures text.
public struct CellLine: Sendable, Hashable {
    public var cells: [Cell]
    public init(cells: [Cell] = []) { self.cells = cells }

    /// Splits spans into cells (one per grapheme, plus a continuation for wide ones).
    public init(_ spans: [Span]) {
        var cells: [Cell] = []
        for span in spans { CellLine.append(span.text, style: span.style, to: &cells) }
        self.cells = cells
    }

    /// The first cells of the spans: at least `limit + 1` when the line is wider than `limit`
    /// (so a caller can tell it was cut), all of them otherwise. Drawing a row of a pane needs
    /// no more, however long the line.
    public init(_ spans: [Span], limit: Int) {
        var cells: [Cell] = []
        let bound = max(0, limit) + 1
        for span in spans {
            guard cells.count < bound else { break }
            CellLine.append(span.text, style: span.style, to: &cells, bound: bound)
        }
        self.cells = cells
    }

    public init(_ text: String, _ style: Style = .plain) { self.init([Span(text, style)]) }

    static func append(_ text: String, style: Style, to cells: inout [Cell], bound: Int = .max) {
        // Past the bound nothing is looked at. A character yields at least one cell unless it joins
        // the cell before it (zero width, rare): twice the room in characters is enough.
        let room = bound == .max ? Int.max : max(0, bound - cells.count)
        let scan = room == .max ? Substring(text) : text.prefix(room &* 2)
        var ascii = true
        for b in scan.utf8 where b >= 0x7F || b < 0x20 { ascii = false; break }
        if ascii {
            let u = scan.utf8.prefix(room)
            cells.reserveCapacity(cells.count + u.count)
            for b in u { cells.append(Cell(text: String(UnicodeScalar(b)), width: 1, style: style)) }
            return
        }
        // Nothing raw reaches a cell: escapes are applied here too (a no-op on clean text).
        for ch in Sanitizer.clean(String(scan)) {
            if cells.count >= bound { break }
            let w = DisplayWidth.of(ch)
            if w == 0 {
                // A lone zero-width cluster (after sanitising) joins the previous cell.
                if let last = cells.indices.last {
                    if cells[last].width == 0, last > 0 { cells[last - 1].text.append(ch) } else { cells[last].text.append(ch) }
                }
                continue
            }
            cells.append(Cell(text: String(ch), width: UInt8(w), style: style))
            if w == 2 { cells.append(.continuation(style)) }
        }
    }

    /// Width in columns.
    public var width: Int { cells.count }
}

/// The finished picture of the whole terminal: rows of cells.
public struct Screen: Sendable, Equatable {
    public private(set) var size: Size
    public var rows: [[Cell]]

    public init(size: Size) {
        self.size = size
        rows = Array(repeating: Array(repeating: .blank, count: max(0, size.columns)), count: max(0, size.rows))
    }

    /// Fills a rectangle with blanks of a style.
    public mutating func fill(_ rect: Rect, style: Style = .plain) {
        let blank = Cell(text: " ", width: 1, style: style)
        for y in max(0, rect.y)..<min(size.rows, rect.maxY) {
            for x in max(0, rect.x)..<min(size.columns, rect.maxX) { rows[y][x] = blank }
        }
    }

    /// Copies `line` into row `y` from column `x`, starting `skip` columns into the line and
    /// stopping at `limit` columns; a wide cell cut at either edge becomes a blank.
    /// - Returns: the number of columns written.
    @discardableResult
    public mutating func draw(_ line: CellLine, x: Int, y: Int, limit: Int, skip: Int = 0, overlay: Style? = nil) -> Int {
        guard y >= 0, y < size.rows, limit > 0 else { return 0 }
        let end = min(size.columns, x + limit)
        var col = x
        var i = skip
        let cells = line.cells
        if i > 0, i < cells.count, cells[i].width == 0 {
            if col < end { rows[y][col] = Cell(text: " ", style: cells[i].style); col += 1 }
            i += 1
        }
        while col < end, i < cells.count {
            var c = cells[i]
            if let o = overlay { c.style = merge(c.style, o) }
            if c.width == 2 && col + 1 >= end {
                rows[y][col] = Cell(text: " ", style: c.style)
                col += 1
                break
            }
            rows[y][col] = c
            col += 1
            i += 1
        }
        return col - x
    }

    /// Writes text (already sanitised) at a position, truncated with `…` to `limit` columns.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, limit: Int, style: Style = .plain) -> Int {
        draw(CellLine(DisplayWidth.truncate(text, to: limit), style), x: x, y: y, limit: limit)
    }

    private func merge(_ base: Style, _ top: Style) -> Style {
        Style(foreground: top.foreground ?? base.foreground, background: top.background ?? base.background,
              attributes: base.attributes.union(top.attributes))
    }

    /// The text of row `y` (continuation cells skipped), trailing blanks trimmed.
    public func text(row y: Int) -> String {
        var s = ""
        for c in rows[y] where c.width != 0 { s += c.text }
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }

    /// Every row as text, for golden files and assertions.
    public func textLines() -> [String] { (0..<size.rows).map { text(row: $0) } }

    /// The screen with every colour removed (attributes kept).
    public func monochrome() -> Screen {
        var s = self
        for y in 0..<s.rows.count { for x in 0..<s.rows[y].count { s.rows[y][x].style = s.rows[y][x].style.monochrome } }
        return s
    }
}
