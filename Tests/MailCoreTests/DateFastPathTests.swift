import Foundation
import Testing
@testable import MailCore

/// The one-pass reader of the common date form agrees with the general reader on every text it
/// accepts, and leaves every other text to it.
@Suite struct DateFastPathTests {
    static func general(_ s: String) -> Date?? {
        var t = s
        return t.withUTF8 { DateParser.parseASCII($0) }
    }

    static func common(_ s: String) -> Date?? {
        var t = s
        return t.withUTF8 { DateParser.parseCommon($0) }
    }

    /// Common-form dates, impossible ones among them, each also with its parts varied.
    static let samples: [String] = {
        var out: [String] = []
        for weekday in ["", "Mon, ", "Sun, ", "Xyz, "] {
            for day in ["1", "05", "30", "31", "32", "0", "00"] {
                for month in ["Jan", "jun", "DEC", "Foo", "June"] {
                    for year in ["2025", "1999", "0999", "25"] {
                        for time in ["06:17:33", "23:59", "24:00:00", "00:00:60", "7:05:00"] {
                            for zone in ["+0000", "-0400", "+0530", "EST", "-04"] {
                                for tail in ["", " (PDT)", "  ", " (a (b))", " x", "\t"] {
                                    out.append("\(weekday)\(day) \(month) \(year) \(time) \(zone)\(tail)")
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }()

    @Test func agreesWithTheGeneralReader() {
        var accepted = 0
        for s in Self.samples {
            guard let fast = Self.common(s) else { continue }
            accepted += 1
            #expect(fast == Self.general(s), "\(s)")
        }
        // The common form is most of the table: the comparison is not vacuous.
        #expect(accepted > 1000)
    }

    @Test(arguments: ["Mon, 30 Jun 2025 06:17:33 -0400", "1 Jan 2000 00:00 +0000", "Sat, 13 Sep 2014 21:13:23 -0400 (EDT)"])
    func readsTheCommonForm(_ s: String) {
        #expect(Self.common(s) != nil)
        #expect(DateParser.parse(s) == Self.general(s)!)
    }

    @Test(arguments: ["Tue, 5 Mar 02 10:00 PST", "Thu Jan  1 00:00:00 1970", "2025-06-30T06:17:33Z",
                      "Mon, 30 Jun 2025 06:17:33 -0400\r\n", "Mon, 30 Jun 2025 06:17:33 -0400 (é)"])
    func leavesOtherFormsAlone(_ s: String) {
        #expect(Self.common(s) == nil)
    }
}
