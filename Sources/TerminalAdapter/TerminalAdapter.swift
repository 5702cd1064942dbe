/// TerminalAdapter: the only module that imports the ncursesw shim.
import CNcursesw
import TUICore
