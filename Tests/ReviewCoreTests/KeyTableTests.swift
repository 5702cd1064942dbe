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

    /// `LineIndex` lists each hash's positions in ascending order, as filtering the entries would.
    @Test func lineIndexGroupsPositionsByHash() {
        // Eight hashes over 400 positions (so each repeats), some positions left out.
        let entries: [(UInt64, Int)] = (0..<400).filter { $0 % 7 != 3 }.map { (UInt64($0 * 31 % 8) &* 0x1000_0000_0001, $0) }
        let index = LineIndex(entries)
        for h in Set(entries.map(\.0)) {
            #expect(Array(index[h].map(Int.init)) == entries.filter { $0.0 == h }.map(\.1))
        }
        #expect(index[12345].isEmpty)
        #expect(LineIndex()[0].isEmpty)
    }

    /// `SparseSlots` reads back what was set, forgets what was cleared and reuses freed places.
    @Test func sparseSlotsReuseFreedPlaces() {
        var slots = SparseSlots<String>(count: 100)
        for i in stride(from: 0, to: 100, by: 10) { slots[i] = "v\(i)" }
        #expect(slots.liveCount == 10)
        #expect(slots[30] == "v30")
        #expect(slots[31] == nil)
        slots[30] = nil
        slots[30] = nil
        #expect(slots[30] == nil)
        #expect(slots.liveCount == 9)
        slots[55] = "new"
        slots[40] = "replaced"
        #expect(slots[55] == "new")
        #expect(slots[40] == "replaced")
        #expect(slots.liveCount == 10)
        for i in stride(from: 0, to: 100, by: 10) where i != 30 && i != 40 { #expect(slots[i] == "v\(i)") }
    }
}
