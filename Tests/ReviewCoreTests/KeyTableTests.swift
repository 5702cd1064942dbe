import Testing
@testable import ReviewCore

/// `KeyTable` answers as a `Dictionary` would, through collisions and growth.
@Suite struct KeyTableTests {
    /// Key sets: spread hashes, small consecutive numbers, keys that share their top bits (all land
    /// in neighbouring slots), and zero.
    static let keySets: [[UInt64]] = [
        (0..<500).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 ^ 0xDEAD_BEEF },
        (0..<300).map(UInt64.init),
        (0..<200).map { 0xFFFF_0000_0000_0000 | UInt64($0) << 8 },
        [0],
    ]

    @Test(arguments: keySets) func matchesDictionary(_ keys: [UInt64]) {
        var table = KeyTable<Int>(capacity: 4)
        var reference: [UInt64: Int] = [:]
        for (n, k) in keys.enumerated() {
            table.set(k, n)
            reference[k] = n
            // Every third key set again: a replaced value, not a second entry.
            if n % 3 == 0 {
                table.set(k, -n)
                reference[k] = -n
            }
        }
        #expect(table.count == reference.count)
        for k in keys { #expect(table[k] == reference[k]) }
        // Keys never set are absent.
        for k in keys.prefix(50) { #expect(table[k &+ 0x1234_5678_9ABC] == reference[k &+ 0x1234_5678_9ABC]) }
    }

    @Test func emptyTableFindsNothing() {
        let table = KeyTable<Int>()
        #expect(table.isEmpty)
        #expect(table[0] == nil)
        #expect(table[.max] == nil)
    }
}
