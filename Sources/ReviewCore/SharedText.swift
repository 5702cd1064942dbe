import Foundation

/// Text that is a string of its own or a UTF-8 range of a shared one (a mail body): a patch's
/// commit message is kept as the range of its body it spans, not as a copy of those bytes.
/// Equal when the texts are equal, however they are held.
struct SharedText: Sendable, Equatable {
    private let base: String
    private let start: Int
    /// End of the range in `base`'s UTF-8, -1 for all of `base`.
    private let end: Int

    init(_ text: String) {
        base = text
        start = 0
        end = -1
    }

    /// UTF-8 offsets `start..<end` of `base`, which must fall on scalar boundaries.
    init(_ base: String, start: Int, end: Int) {
        self.base = base
        self.start = start
        self.end = end
    }

    /// The text as a string of its own (made when asked for).
    var string: String {
        end < 0 ? base : String(ByteLines.substring(of: base, start, end))
    }

    private var slice: Substring {
        end < 0 ? base[...] : ByteLines.substring(of: base, start, end)
    }

    static func == (a: SharedText, b: SharedText) -> Bool { a.slice == b.slice }
}
