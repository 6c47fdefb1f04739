import Foundation

/// The process's open-file limit, and the share of it client connections may take.
public enum FileDescriptors {
    /// The soft limit on open files (1,024 when it cannot be read).
    package static var limit: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }

    /// 3/8 of the limit for clients (as many again for their upstream connections, 1/8 for
    /// idle upstream connections, the rest for the database, logs and the runtime).
    package static var connectionBudget: Int { max(16, limit * 3 / 8) }

    /// Raises the soft limit to the hard limit: a server holds a socket per client, per
    /// stream and per upstream connection, and the soft limit is often 1,024. Call it
    /// before anything reads the limit.
    public static func raiseToHardLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
