import Foundation

/// The text file `$EDITOR` edits for a note: the note on top, a scissors line, then read-only
/// context (where the note sits and the code it answers). Everything from the scissors line down
/// is ignored when the file is read back, so code in the note (even `#ifdef`) is kept as typed.
public enum EditorText {
    /// The line below which the file is context only.
    public static let scissors = "# ------------------------ >8 ------------------------"

    /// The file's contents for editing a note.
    /// - Parameters:
    ///   - text: the note's current text (empty for a new note).
    ///   - location: where the note sits (`NoteText.location`).
    ///   - context: the lines it answers (quoted code or a comment), shown below the scissors.
    public static func template(text: String, location: String, context: [String]) -> String {
        var out = text
        if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
        out += "\n" + scissors + "\n"
        out += "# Write the note above this line; everything below it is ignored.\n"
        out += "# An empty note is discarded.\n"
        out += "# Note on: \(location)\n"
        if !context.isEmpty {
            out += "#\n"
            for line in context { out += "#   " + line + "\n" }
        }
        return out
    }

    /// The note's text from an edited file: everything above the scissors line, with trailing
    /// blank lines and trailing whitespace on the last line removed; nil when nothing is left.
    public static func parse(_ file: String) -> String? {
        var lines: [Substring] = []
        for line in file.split(separator: "\n", omittingEmptySubsequences: false) {
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            if l == Substring(scissors) { break }
            lines.append(l)
        }
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeLast() }
        while let first = lines.first, first.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeFirst() }
        guard !lines.isEmpty else { return nil }
        return lines.joined(separator: "\n")
    }
}
