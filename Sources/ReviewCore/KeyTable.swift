import Foundation

/// A map from 64-bit keys that are already hashes (`NormKey.hash`) to small values: open
/// addressing with linear probing in one array. A `Dictionary` would hash each key again with
/// SipHash (about 100 instructions a lookup); here a lookup is a multiply, a shift and a compare.
struct KeyTable<Value> {
    fileprivate struct Slot {
        var key: UInt64
        var value: Value
    }

    private var slots: [Slot?]
    private var mask: Int
    private(set) var count = 0

    /// A table that holds `capacity` keys before it grows.
    init(capacity: Int = 8) {
        var size = 16
        while size / 4 * 3 < capacity { size *= 2 }
        slots = [Slot?](repeating: nil, count: size)
        mask = size - 1
    }

    var isEmpty: Bool { count == 0 }

    /// The slot where `key` is, or the empty slot where it would go.
    @inline(__always)
    private func find(_ key: UInt64) -> Int {
        // Fibonacci hashing: the multiply spreads the key's bits into the top ones used.
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while let s = slots[i], s.key != key { i = (i + 1) & mask }
        return i
    }

    subscript(key: UInt64) -> Value? { slots[find(key)]?.value }

    /// Sets the value of `key`, replacing any value it had.
    mutating func set(_ key: UInt64, _ value: Value) {
        let i = find(key)
        if slots[i] != nil {
            slots[i]!.value = value
            return
        }
        slots[i] = Slot(key: key, value: value)
        count += 1
        if count > slots.count / 4 * 3 { grow() }
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot?](repeating: nil, count: old.count * 2)
        mask = slots.count - 1
        for case let s? in old { slots[find(s.key)] = s }
    }
}

extension KeyTable: Sendable where Value: Sendable {}
extension KeyTable.Slot: Sendable where Value: Sendable {}

/// Values for a few of `count` indexes (the documents and anchor maps the builder holds at one
/// time, out of every message of the input): four bytes per index, the values packed densely and
/// their freed places reused. An array of optionals would hold a whole value's room per index.
struct SparseSlots<Value> {
    private var slotOf: [Int32]
    private var values: [Value?] = []
    private var free: [Int32] = []

    init(count: Int) {
        slotOf = [Int32](repeating: -1, count: count)
    }

    subscript(i: Int) -> Value? {
        get {
            let s = slotOf[i]
            return s < 0 ? nil : values[Int(s)]
        }
        set {
            let s = slotOf[i]
            if let newValue {
                if s >= 0 {
                    values[Int(s)] = newValue
                } else if let reuse = free.popLast() {
                    values[Int(reuse)] = newValue
                    slotOf[i] = reuse
                } else {
                    slotOf[i] = Int32(truncatingIfNeeded: values.count)
                    values.append(newValue)
                }
            } else if s >= 0 {
                values[Int(s)] = nil
                free.append(s)
                slotOf[i] = -1
            }
        }
    }

    /// Places in use (for tests).
    var liveCount: Int { values.count - free.count }
}
