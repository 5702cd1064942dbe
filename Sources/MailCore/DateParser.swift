import Foundation

/// Parses mail dates in RFC 5322 form, obsolete forms (2-digit years, zone names, missing
/// weekday or seconds), asctime / mbox envelope form, list-archive form
/// (`Mon Jun 30 2025 - 06:17:33 EST`) and ISO 8601, to an instant (UTC).
enum DateParser {
    private static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
        "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    ]
    private static let weekdays: Set<String> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    /// Zone names seen in mail, in minutes east of UTC.
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0,
        "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360,
        "pst": -480, "pdt": -420, "akst": -540, "akdt": -480, "hst": -600,
        "bst": 60, "cet": 60, "cest": 120, "met": 60, "mest": 120, "mez": 60, "mesz": 120,
        "west": 60, "eet": 120, "eest": 180, "msk": 180, "ist": 330, "jst": 540, "kst": 540,
        "hkt": 480, "sgt": 480, "awst": 480, "acst": 570, "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
    ]

    /// The instant, or nil when the text is not a recognisable date.
    static func parse(_ text: String) -> Date? {
        var t = text
        if let fast = t.withUTF8({ parseCommon($0) ?? parseASCII($0) }) { return fast }
        return parseCharacters(text)
    }

    /// The form nearly every mail has, `[Www, ]D[D] Mmm YYYY HH:MM[:SS] ±HHMM[ (comment)]`, read
    /// in one pass with no buffers; `.some` only when the text is exactly that, and then what
    /// `parseASCII` gives (nil for an impossible date). Anything else: nil, for the general reader.
    static func parseCommon(_ b: Bytes) -> Date?? {
        let n = b.count
        var i = 0
        @inline(__always) func digit(_ k: Int) -> Int? {
            k < n && b[k] >= 0x30 && b[k] <= 0x39 ? Int(b[k] - 0x30) : nil
        }
        @inline(__always) func lower(_ k: Int) -> UInt8 { b[k] | 0x20 }
        @inline(__always) func letters(_ k: Int) -> Bool { k + 3 <= n && isLetter(b[k]) && isLetter(b[k + 1]) && isLetter(b[k + 2]) }
        while i < n, b[i] == ASCII.space { i += 1 }
        // Weekday and comma.
        if letters(i) {
            guard isWeekday(lower(i), lower(i + 1), lower(i + 2)), i + 4 < n, b[i + 3] == 0x2C, b[i + 4] == ASCII.space
            else { return nil }
            i += 5
            while i < n, b[i] == ASCII.space { i += 1 }
        }
        // Day: one or two digits, then one space.
        guard let d1 = digit(i) else { return nil }
        var day = d1
        i += 1
        if let d2 = digit(i) { day = day * 10 + d2; i += 1 }
        guard i < n, b[i] == ASCII.space else { return nil }
        i += 1
        // Month: three letters, then one space.
        guard letters(i), let month = month(lower(i), lower(i + 1), lower(i + 2)), i + 3 < n, b[i + 3] == ASCII.space
        else { return nil }
        i += 4
        // Year: four digits, then one space.
        guard let y1 = digit(i), let y2 = digit(i + 1), let y3 = digit(i + 2), let y4 = digit(i + 3),
              i + 4 < n, b[i + 4] == ASCII.space else { return nil }
        let year = y1 * 1000 + y2 * 100 + y3 * 10 + y4
        i += 5
        // HH:MM[:SS], then one space.
        guard let h1 = digit(i), let h2 = digit(i + 1), i + 2 < n, b[i + 2] == ASCII.colon,
              let m1 = digit(i + 3), let m2 = digit(i + 4) else { return nil }
        let hour = h1 * 10 + h2, minute = m1 * 10 + m2
        i += 5
        var second = 0
        if i < n, b[i] == ASCII.colon {
            guard let s1 = digit(i + 1), let s2 = digit(i + 2) else { return nil }
            second = s1 * 10 + s2
            i += 3
        }
        guard i < n, b[i] == ASCII.space else { return nil }
        i += 1
        // Zone: a sign and four digits.
        guard i + 5 <= n, b[i] == 0x2B || b[i] == ASCII.dash, let z1 = digit(i + 1), let z2 = digit(i + 2),
              let z3 = digit(i + 3), let z4 = digit(i + 4) else { return nil }
        let minutes = (z1 * 10 + z2) * 60 + z3 * 10 + z4
        let zone = b[i] == ASCII.dash ? -minutes : minutes
        i += 5
        // Nothing after but spaces and one comment without nested parentheses (a zone name,
        // which the numeric zone overrides).
        while i < n, b[i] == ASCII.space { i += 1 }
        if i < n, b[i] == ASCII.openParen {
            i += 1
            while i < n, b[i] != ASCII.closeParen {
                if b[i] == ASCII.openParen || b[i] >= 0x80 || b[i] == ASCII.cr || b[i] == ASCII.lf { return nil }
                i += 1
            }
            guard i < n else { return nil }
            i += 1
            while i < n, b[i] == ASCII.space { i += 1 }
        }
        guard i == n else { return nil }
        guard (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (1000...9999).contains(year) else { return .some(nil) }
        let secs = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - zone * 60
        return .some(Date(timeIntervalSince1970: TimeInterval(secs)))
    }

    @inline(__always) private static func isLetter(_ c: UInt8) -> Bool {
        let l = c | 0x20
        return l >= 0x61 && l <= 0x7A
    }

    /// The month (1...12) of a lower-cased three-letter name.
    private static func month(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        switch (a, b, c) {
        case (0x6A, 0x61, 0x6E): return 1   // jan
        case (0x66, 0x65, 0x62): return 2   // feb
        case (0x6D, 0x61, 0x72): return 3   // mar
        case (0x61, 0x70, 0x72): return 4   // apr
        case (0x6D, 0x61, 0x79): return 5   // may
        case (0x6A, 0x75, 0x6E): return 6   // jun
        case (0x6A, 0x75, 0x6C): return 7   // jul
        case (0x61, 0x75, 0x67): return 8   // aug
        case (0x73, 0x65, 0x70): return 9   // sep
        case (0x6F, 0x63, 0x74): return 10  // oct
        case (0x6E, 0x6F, 0x76): return 11  // nov
        case (0x64, 0x65, 0x63): return 12  // dec
        default: return nil
        }
    }

    /// Whether three lower-cased letters name a weekday (as `weekdays` has them).
    private static func isWeekday(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        switch (a, b, c) {
        case (0x6D, 0x6F, 0x6E), (0x74, 0x75, 0x65), (0x77, 0x65, 0x64), (0x74, 0x68, 0x75),  // mon tue wed thu
             (0x66, 0x72, 0x69), (0x73, 0x61, 0x74), (0x73, 0x75, 0x6E):  // fri sat sun
            return true
        default:
            return false
        }
    }

    /// `parseCharacters` for text of ASCII bytes without CR LF pairs (each byte is then one
    /// `Character`); nil (not `.some(nil)`) when the text is not such.
    static func parseASCII(_ b: Bytes) -> Date?? {
        let n = b.count
        var previous: UInt8 = 0
        for c in b {
            if c >= 0x80 || (c == ASCII.lf && previous == ASCII.cr) { return nil }
            previous = c
        }
        var day: Int?, month: Int?, year: Int?
        var hour = 0, minute = 0, second = 0
        var zone: Int?
        var numbers: [Int] = []
        var yearDigits = 0

        // Drop comments like `(PDT)` but remember a zone name inside one as a last resort.
        var cleaned: [UInt8] = []
        cleaned.reserveCapacity(n)
        var commentZone: Int?
        var depth = 0
        var commentText: [UInt8] = []
        for c in b {
            if c == ASCII.openParen { depth += 1; continue }
            if c == ASCII.closeParen {
                depth = max(0, depth - 1)
                if depth == 0 {
                    let name = Text.trim(String(decoding: commentText, as: UTF8.self)).lowercased()
                    commentZone = zones[name] ?? commentZone
                    commentText.removeAll()
                }
                continue
            }
            if depth > 0 { commentText.append(c) } else { cleaned.append(c) }
        }

        return cleaned.withUnsafeBufferPointer { t -> Date? in
            let end = t.count
            var p = 0
            while p < end {
                // The next token: bytes up to a space, tab, comma, CR or LF.
                @inline(__always) func isSeparator(_ c: UInt8) -> Bool {
                    c == ASCII.space || c == ASCII.tab || c == 0x2C || c == ASCII.cr || c == ASCII.lf
                }
                while p < end, isSeparator(t[p]) { p += 1 }
                guard p < end else { break }
                let start = p
                while p < end, !isSeparator(t[p]) { p += 1 }
                var tokEnd = p
                let count0 = tokEnd - start
                if count0 == 1 && t[start] == ASCII.dash { continue }
                if count0 == 2 && t[start] == 0x61 && t[start + 1] == 0x74 { continue }  // at
                if t[tokEnd - 1] == 0x2E { tokEnd -= 1 }
                let count = tokEnd - start
                let tok = start..<tokEnd
                // ISO 8601: 2025-06-30T06:17:33Z or 2025-06-30
                if count >= 10, ASCII.isDigit(t[start]), t[start + 4] == ASCII.dash,
                   let iso = parseISO(String(decoding: UnsafeBufferPointer(rebasing: t[tok]), as: UTF8.self)) {
                    return iso
                }
                let colon = t.find(ASCII.colon, from: start, to: tokEnd)
                if colon < tokEnd {
                    let colon2 = t.find(ASCII.colon, from: colon + 1, to: tokEnd)
                    if colon2 < tokEnd && t.find(ASCII.colon, from: colon2 + 1, to: tokEnd) < tokEnd { continue }
                    let minuteEnd = colon2 < tokEnd ? colon2 : tokEnd
                    guard let h = Text.integer(t, start..<colon), let m = Text.integer(t, (colon + 1)..<minuteEnd) else { continue }
                    hour = h
                    minute = m
                    if colon2 < tokEnd {
                        // Seconds may carry a fraction.
                        var e = colon2 + 1
                        while e < tokEnd, ASCII.isDigit(t[e]) { e += 1 }
                        second = Text.integer(t, (colon2 + 1)..<e) ?? 0
                    }
                    continue
                }
                if count == 5, t[start] == 0x2B || t[start] == ASCII.dash, let v = Text.integer(t, (start + 1)..<tokEnd) {
                    let minutes = (v / 100) * 60 + v % 100
                    zone = t[start] == ASCII.dash ? -minutes : minutes
                    continue
                }
                var allLetters = count > 0
                for k in tok where !isLetter(t[k]) { allLetters = false; break }
                if count == 0 { allLetters = true }
                if count >= 3, allLetters,
                   let m = Self.month(ASCII.lower(t[start]), ASCII.lower(t[start + 1]), ASCII.lower(t[start + 2])) {
                    month = m
                    continue
                }
                if count >= 3, allLetters,
                   Self.isWeekday(ASCII.lower(t[start]), ASCII.lower(t[start + 1]), ASCII.lower(t[start + 2])) {
                    continue
                }
                if count > 0, count <= 4, allLetters {
                    var lower: [UInt8] = []
                    for k in tok { lower.append(ASCII.lower(t[k])) }
                    if let z = zones[String(decoding: lower, as: UTF8.self)] {
                        zone = z
                        continue
                    }
                }
                if let v = Text.integer(t, tok) {
                    numbers.append(v)
                    if count >= 3 && year == nil {
                        year = v
                        yearDigits = count
                    }
                    continue
                }
            }
            return finish(day: &day, month: month, year: &year, yearDigits: &yearDigits, numbers: numbers,
                          hour: hour, minute: minute, second: second, zone: zone, commentZone: commentZone)
        }
    }

    /// Assigns day and year from the remaining numbers and builds the instant.
    private static func finish(day: inout Int?, month: Int?, year: inout Int?, yearDigits: inout Int, numbers: [Int],
                               hour: Int, minute: Int, second: Int, zone: Int?, commentZone: Int?) -> Date? {
        for v in numbers {
            if v == year && yearDigits >= 3 { continue }
            if day == nil && v >= 1 && v <= 31 {
                day = v
            } else if year == nil {
                year = v
                yearDigits = String(v).count
            }
        }
        guard var y = year, let mo = month, let d = day else { return nil }
        if yearDigits <= 2 { y += y < 50 ? 2000 : 1900 } else if yearDigits == 3 { y += 1900 }
        guard (1...31).contains(d), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (1000...9999).contains(y) else { return nil }
        let offset = zone ?? commentZone ?? 0
        let days = daysFromCivil(y, mo, d)
        let secs = days * 86400 + hour * 3600 + minute * 60 + second - offset * 60
        return Date(timeIntervalSince1970: TimeInterval(secs))
    }

    /// The general parser, on `Character`s (any text).
    private static func parseCharacters(_ text: String) -> Date? {
        var day: Int?, month: Int?, year: Int?
        var hour = 0, minute = 0, second = 0
        var zone: Int?
        var numbers: [Int] = []
        var yearDigits = 0

        // Drop comments like `(PDT)` but remember a zone name inside one as a last resort.
        var cleaned = ""
        var commentZone: Int?
        var depth = 0
        var commentText = ""
        for ch in text {
            if ch == "(" { depth += 1; continue }
            if ch == ")" {
                depth = max(0, depth - 1)
                if depth == 0 {
                    commentZone = zones[Text.trim(commentText).lowercased()] ?? commentZone
                    commentText = ""
                }
                continue
            }
            if depth > 0 { commentText.append(ch) } else { cleaned.append(ch) }
        }

        let tokens = cleaned.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" || $0 == "\n" })
        for raw in tokens {
            var tok = raw
            if tok == "-" || tok == "at" { continue }
            if tok.hasSuffix(".") { tok = tok.dropLast() }
            let lower = tok.lowercased()
            // ISO 8601: 2025-06-30T06:17:33Z or 2025-06-30
            if tok.count >= 10, tok.first.map(Text.isDigit) == true, tok.dropFirst(4).first == "-",
               let iso = parseISO(String(tok)) {
                return iso
            }
            if tok.utf8.contains(ASCII.colon) {
                let parts = tok.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count >= 2, parts.count <= 3,
                      let h = Int(parts[0]), let m = Int(parts[1]) else { continue }
                hour = h
                minute = m
                if parts.count == 3 {
                    // Seconds may carry a fraction.
                    let secText = parts[2].prefix(while: Text.isDigit)
                    second = Int(secText) ?? 0
                }
                continue
            }
            if let first = tok.first, (first == "+" || first == "-"), tok.count == 5, let v = Int(tok.dropFirst()) {
                let minutes = (v / 100) * 60 + v % 100
                zone = first == "-" ? -minutes : minutes
                continue
            }
            if tok.count >= 3, let m = months[String(lower.prefix(3))], lower.allSatisfy(Text.isLetter) {
                month = m
                continue
            }
            if weekdays.contains(String(lower.prefix(3))), lower.allSatisfy(Text.isLetter) { continue }
            if let z = zones[lower] {
                zone = z
                continue
            }
            if let v = Int(tok) {
                numbers.append(v)
                if tok.count >= 3 && year == nil {
                    year = v
                    yearDigits = tok.count
                }
                continue
            }
            // A day glued to a month (`30Jun2025`) or other junk: ignore.
        }
        return finish(day: &day, month: month, year: &year, yearDigits: &yearDigits, numbers: numbers,
                      hour: hour, minute: minute, second: second, zone: zone, commentZone: commentZone)
    }

    private static func parseISO(_ s: String) -> Date? {
        let u = Array(s.utf8)
        func num(_ a: Int, _ n: Int) -> Int? {
            guard a + n <= u.count else { return nil }
            var v = 0
            for k in a..<(a + n) {
                guard ASCII.isDigit(u[k]) else { return nil }
                v = v * 10 + Int(u[k] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h = 0, mi = 0, se = 0, off = 0
        if u.count >= 16, u[10] == 0x54 || u[10] == 0x20 {
            guard let hh = num(11, 2), let mm = num(14, 2) else { return nil }
            h = hh
            mi = mm
            var p = 16
            if u.count >= 19, u[16] == ASCII.colon, let ss = num(17, 2) { se = ss; p = 19 }
            while p < u.count, u[p] == 0x2E || ASCII.isDigit(u[p]) { p += 1 }
            if p < u.count, u[p] == 0x2B || u[p] == ASCII.dash {
                let sign = u[p] == ASCII.dash ? -1 : 1
                if let zh = num(p + 1, 2) {
                    let zm = num(p + 4, 2) ?? num(p + 3, 2) ?? 0
                    off = sign * (zh * 60 + zm)
                }
            }
        }
        let secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off * 60
        return Date(timeIntervalSince1970: TimeInterval(secs))
    }

    /// Calendar fields (UTC) of an instant; nil outside years 0...9999.
    static func civil(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)? {
        let t = date.timeIntervalSince1970
        guard t.isFinite, t > -62_167_219_200, t < 253_402_300_800 else { return nil }
        let secs = Int(t.rounded(.down))
        var days = secs / 86400
        var rem = secs % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, rem / 3600, rem % 3600 / 60, rem % 60)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
