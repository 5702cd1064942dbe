// swift-tools-version:6.0
import PackageDescription

// Layers (dependencies point inward):
//   MailCore, UffdModel            pure cores (Foundation only)
//   ReviewCore                     pure core over MailCore
//   Linking, Notes                 pure cores over ReviewCore + UffdModel
//   TUICore                        state, actions, reduce, render -> Screen (pure)
//   CNcursesw + TerminalAdapter    the only code that touches the terminal
//   patchlab                       thin @main executable (swift-argument-parser)
let package = Package(
    name: "patchlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "patchlab", targets: ["patchlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: pure cores
        .target(name: "MailCore"),
        .target(name: "ReviewCore", dependencies: ["MailCore"]),
        .target(name: "UffdModel"),
        .target(name: "Linking", dependencies: ["ReviewCore", "UffdModel"], resources: [.copy("Resources/link-rules.tsv")]),
        .target(name: "Notes", dependencies: ["MailCore", "ReviewCore", "UffdModel"]),
        .target(name: "TUICore", dependencies: ["MailCore", "ReviewCore", "UffdModel", "Linking", "Notes"]),

        // MARK: terminal
        // The modulemap links ncursesw itself; pkg-config's -D flags would be dropped anyway
        // (the shim defines what it needs), and .ci/install-deps installs libncursesw5-dev.
        .systemLibrary(name: "CNcursesw"),
        .target(name: "TerminalAdapter", dependencies: ["TUICore", "CNcursesw"]),

        // MARK: executables
        .executableTarget(name: "patchlab", dependencies: [
            "MailCore", "ReviewCore", "UffdModel", "Linking", "Notes", "TUICore", "TerminalAdapter",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Test-only: runs uffd scripts against the running kernel (the model's referee).
        .executableTarget(name: "uffd-probe"),
        // Benchmarks: figures are printed, never asserted.
        .executableTarget(name: "patchlab-bench", dependencies: [
            "MailCore", "ReviewCore", "UffdModel", "Linking", "Notes", "TUICore",
        ]),

        // MARK: tests
        .target(name: "TestSupport", path: "Sources/TestSupport"),
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore", "TestSupport"]),
        .testTarget(name: "ReviewCoreTests", dependencies: ["ReviewCore", "MailCore", "TestSupport"]),
        .testTarget(name: "UffdModelTests", dependencies: ["UffdModel", "TestSupport"]),
        .testTarget(name: "TUICoreTests", dependencies: ["TUICore", "Linking", "ReviewCore", "MailCore", "UffdModel", "Notes", "TestSupport"],
                    exclude: ["__Snapshots__"]),
        .testTarget(name: "NotesTests", dependencies: ["Notes", "ReviewCore", "MailCore", "UffdModel", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "TerminalAdapter", "TUICore"]),
    ]
)
