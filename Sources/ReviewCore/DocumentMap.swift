import Foundation

/// Where a line of a patch or cover letter body sits in the review model.
enum DocLocation: Sendable, Equatable {
    case paragraph(Int)
    case diff(file: String, hunk: Int, side: Side, line: Int)
    case general
}

/// The lines of a patch (or cover letter) body, normalised for matching quotes, each with its location.
struct DocumentMap: Sendable {
    var norms: [String]
    var locations: [DocLocation]
    /// Positions of each normalised line, ascending.
    private var positions: [String: [Int]] = [:]
    /// Positions of lines longer than the key, by their first `prefixKey` characters.
    private var prefixPositions: [String: [Int]] = [:]
    private static let prefixKey = 12

    private mutating func buildIndex() {
        for (i, n) in norms.enumerated() where !n.isEmpty {
            positions[n, default: []].append(i)
            if n.count > DocumentMap.prefixKey { prefixPositions[String(n.prefix(DocumentMap.prefixKey)), default: []].append(i) }
        }
    }

    /// First position in `list` that is >= `from` (binary search).
    private static func firstAtOrAfter(_ list: [Int], _ from: Int) -> Int? {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] < from { lo = mid + 1 } else { hi = mid }
        }
        return lo < list.count ? list[lo] : nil
    }

    /// Collapses whitespace runs to one space and trims: tolerates tab damage and trailing spaces.
    static func normalise<S: StringProtocol>(_ s: S) -> String {
        let u = s.utf8
        // Fast path: nothing to collapse or trim.
        var clean = true
        var prevSpace = true
        var last: UInt8 = 0
        for b in u {
            if b == 0x09 || b == 0x0D || b == 0xC2 || (b == 0x20 && prevSpace) { clean = false; break }
            prevSpace = b == 0x20
            last = b
        }
        if clean && last != 0x20 { return String(s) }
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var pendingSpace = false
        var i = u.startIndex
        while i != u.endIndex {
            let b = u[i]
            var isSpace = b == 0x20 || b == 0x09 || b == 0x0D
            var width = 1
            if b == 0xC2 {
                let n = u.index(after: i)
                if n != u.endIndex, u[n] == 0xA0 { isSpace = true; width = 2 }
            }
            if isSpace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(b)
            }
            i = u.index(i, offsetBy: width)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Map of a patch body: commit message paragraphs, then the diff lines.
    init(patchLines lines: [Substring], mail: PatchMail) {
        norms = lines.map { DocumentMap.normalise($0) }
        locations = Array(repeating: .general, count: lines.count)
        let end = min(mail.breakLine, lines.count)
        var para = 0
        var seenText = false
        var inBlank = false
        if mail.messageStart < end {
            for i in mail.messageStart..<end {
                if norms[i].isEmpty {
                    inBlank = true
                } else {
                    if inBlank && seenText { para += 1 }
                    inBlank = false
                    seenText = true
                }
                locations[i] = .paragraph(para)
            }
        }
        for file in mail.files {
            guard let firstHunk = file.hunks.first else { continue }
            let firstLoc = DocumentMap.location(file: file.path, hunk: firstHunk, line: 0)
            if file.headerLine < firstHunk.bodyLine {
                for i in file.headerLine..<min(firstHunk.bodyLine, lines.count) { locations[i] = firstLoc }
            }
            for hunk in file.hunks {
                if hunk.bodyLine < lines.count {
                    locations[hunk.bodyLine] = DocumentMap.location(file: file.path, hunk: hunk, line: 0)
                }
                for k in hunk.lines.indices where hunk.bodyLine + 1 + k < lines.count {
                    locations[hunk.bodyLine + 1 + k] = DocumentMap.location(file: file.path, hunk: hunk, line: k)
                }
            }
        }
        buildIndex()
    }

    /// Map of a cover letter (or any prose): paragraphs until the signature.
    init(proseLines lines: [Substring]) {
        norms = lines.map { DocumentMap.normalise($0) }
        locations = []
        locations.reserveCapacity(lines.count)
        var para = 0
        var seenText = false
        var inBlank = false
        var signed = false
        for (i, l) in lines.enumerated() {
            if TextLines.dropCR(l) == "-- " { signed = true }
            if signed { locations.append(.general); continue }
            if norms[i].isEmpty {
                inBlank = true
            } else {
                if inBlank && seenText { para += 1 }
                inBlank = false
                seenText = true
            }
            locations.append(.paragraph(para))
        }
        buildIndex()
    }

    /// The location of hunk line `k` (a `\ No newline` marker takes the line before it).
    static func location(file: String, hunk: Hunk, line k: Int) -> DocLocation {
        guard !hunk.lines.isEmpty else {
            return .diff(file: file, hunk: hunk.index, side: .new, line: hunk.newStart)
        }
        var j = min(k, hunk.lines.count - 1)
        while j > 0, hunk.lines[j].kind == .noNewline { j -= 1 }
        let l = hunk.lines[j]
        switch l.kind {
        case .removed:
            return .diff(file: file, hunk: hunk.index, side: .old, line: l.oldLine ?? hunk.oldStart)
        default:
            return .diff(file: file, hunk: hunk.index, side: .new, line: l.newLine ?? hunk.newStart)
        }
    }

    /// Aligns quoted lines (already normalised, in order) to this document.
    /// - Returns: for each quoted line, the index of the document line it matched, or nil.
    func align(_ quoted: [String]) -> [Int?] {
        var result = [Int?](repeating: nil, count: quoted.count)
        var cursor = 0
        var q = 0
        let n = norms.count
        while q < quoted.count {
            let t = quoted[q]
            if t.isEmpty {
                // A bare `>`: a blank line, only where the next document line is blank.
                if cursor < n, norms[cursor].isEmpty {
                    result[q] = cursor
                    cursor += 1
                }
                q += 1
                continue
            }
            let window = t.utf8.count < 8 ? min(n, cursor + 40) : n
            var found: Int?
            if let list = positions[t] {
                if let f = DocumentMap.firstAtOrAfter(list, cursor), f < window {
                    found = f
                } else if t.utf8.count >= 8, let f = list.first, f < cursor {
                    // Quoted again from earlier in the document.
                    found = f
                }
            }
            if let f = found {
                result[q] = f
                cursor = f + 1
                q += 1
                continue
            }
            // A long line wrapped by the replier's mailer: the quoted piece starts a document line and
            // the following quoted lines continue it.
            if t.utf8.count >= DocumentMap.prefixKey, q + 1 < quoted.count, !quoted[q + 1].isEmpty,
               let list = prefixPositions[String(t.prefix(DocumentMap.prefixKey))] {
                var k = list.firstIndex { $0 >= cursor } ?? list.count
                while k < list.count {
                    let j = list[k]
                    if norms[j].utf8.count > t.utf8.count, norms[j].hasPrefix(t) { found = j; break }
                    k += 1
                }
                if let f = found {
                    result[q] = f
                    var joined = t
                    var r = q + 1
                    while r < quoted.count, !quoted[r].isEmpty {
                        let candidate = joined + " " + quoted[r]
                        let candidateTight = joined + quoted[r]
                        if norms[f].hasPrefix(candidate) || norms[f].hasPrefix(candidateTight) {
                            joined = norms[f].hasPrefix(candidate) ? candidate : candidateTight
                            result[r] = f
                            r += 1
                        } else {
                            break
                        }
                    }
                    cursor = f + 1
                    q = r
                    continue
                }
            }
            q += 1
        }
        return result
    }
}
