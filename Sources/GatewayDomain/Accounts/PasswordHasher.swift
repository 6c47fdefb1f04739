import CArgon2
import Crypto
import Foundation
import GatewayCore
import HummingbirdBcrypt
import Metrics
import NIOConcurrencyHelpers
import NIOPosix

/// Hashes new passwords with Argon2id and verifies Argon2id and bcrypt hashes (the
/// reference's and older deployments'). Every hash and verify runs on this type's own
/// bounded thread pool, so a burst of logins queues here and never stalls other work.
public final class PasswordHasher: Sendable {
    package let parameters: Argon2Parameters
    private let threads: NIOThreadPool
    /// A hash of a random password with the current parameters: unknown emails are
    /// verified against it so timing does not reveal which emails exist.
    private let dummyHash: String
    /// Jobs queued or running, in all and for registrations (which get half the room);
    /// jobs started so far; the most jobs that started ahead of a login after it was queued.
    private let queued = NIOLockedValueBox((all: 0, registration: 0, started: 0, mostAheadOfLogin: 0))
    /// `HASH_QUEUE_MAX`: beyond this many jobs, new ones are refused with `Busy`.
    package let queueMax: Int

    /// Why a hash is computed: registrations (and background upgrades) may fill at most
    /// half of the queue, so a registration flood cannot lock users out of logging in.
    public enum Purpose: Sendable { case login, registration }

    /// The hashing queue is full: 503 with `Retry-After`.
    public struct Busy: Error, APIErrorConvertible {
        public var apiError: APIError {
            APIError(
                .serviceUnavailable, "Too many sign-ins in progress. Please retry shortly.", code: "service_unavailable",
                headers: [.retryAfter: "2"])
        }
    }

    /// The client went away before its job started; the job was dropped.
    package struct ClientGone: Error {}

    /// - Parameter niceness: the hashing threads' nice value (`HASH_NICE`; 19, the lowest
    ///   priority, unless an operator wants logins to compete with requests as equals).
    public init(parameters: Argon2Parameters, threads: Int, queueMax: Int = 64, niceness: Int32 = hashingNiceness) throws {
        self.parameters = parameters
        self.niceness = niceness
        self.queueMax = max(2, queueMax)
        self.threads = NIOThreadPool(numberOfThreads: threads)
        self.threads.start()
        self.dummyHash = try Self.argon2Hash(UUID().uuidString, parameters: parameters)
    }

    /// Stops the hashing threads.
    public func shutdown() async {
        try? await threads.shutdownGracefully()
    }

    /// Jobs queued or running now.
    package var pending: Int { queued.withLockedValue { $0.all } }

    /// The most jobs that ever started between a login's admission and its own start: how
    /// far a flood of registrations can push a login back, in hashes.
    package var mostJobsAheadOfALogin: Int { queued.withLockedValue { $0.mostAheadOfLogin } }

    /// A new Argon2id hash in the PHC string format.
    public func hash(
        _ password: String, purpose: Purpose = .registration, isWanted: @escaping @Sendable () -> Bool = { true }
    ) async throws -> String {
        let parameters = self.parameters
        return try await enqueue(purpose, isWanted) { try Self.argon2Hash(password, parameters: parameters) }
    }

    /// Whether `password` matches `hash`; false for unknown hash formats.
    public func verify(
        _ password: String, against hash: String, isWanted: @escaping @Sendable () -> Bool = { true }
    ) async throws -> Bool {
        try await enqueue(.login, isWanted) { Self.verifySync(password, hash) }
    }

    /// Runs `job` on a hashing thread unless the queue is full (`Busy`) or, by the time
    /// the job's turn comes, its client is gone (`ClientGone`: the work is skipped).
    private func enqueue<T: Sendable>(
        _ purpose: Purpose, _ isWanted: @escaping @Sendable () -> Bool, _ job: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let ticket = queued.withLockedValue { queued -> Int? in
            guard queued.all < queueMax else { return nil }
            if purpose == .registration {
                guard queued.registration < queueMax / 2 else { return nil }
                queued.registration += 1
            }
            queued.all += 1
            return queued.started
        }
        guard let ticket else {
            HashMetrics.refused()
            throw Busy()
        }
        defer {
            queued.withLockedValue { queued in
                queued.all -= 1
                if purpose == .registration { queued.registration -= 1 }
            }
        }
        let niceness = self.niceness
        return try await threads.runIfActive { [queued] in
            queued.withLockedValue { queued in
                if purpose == .login { queued.mostAheadOfLogin = max(queued.mostAheadOfLogin, queued.started - ticket) }
                queued.started += 1
            }
            guard isWanted() else {
                HashMetrics.dropped()
                throw ClientGone()
            }
            Self.yield(niceness)
            return try job()
        }
    }

    /// Hashing threads run at the lowest CPU priority by default (nice +19; Argon2's lane
    /// threads inherit it), so a burst of logins slows logins down instead of every other
    /// request.
    public static let hashingNiceness: Int32 = 19
    package let niceness: Int32

    package static func yield(_ niceness: Int32) {
        // On Linux the nice value is per thread, and `who = 0` means the calling thread.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
    }

    /// Spends the same time as a real verification, for unknown accounts.
    public func verifyDummy(_ password: String, isWanted: @escaping @Sendable () -> Bool = { true }) async throws {
        _ = try await verify(password, against: dummyHash, isWanted: isWanted)
    }

    /// True when `hash` is not Argon2id with the current parameters.
    public func needsRehash(_ hash: String) -> Bool {
        let prefix = "$argon2id$v=19$m=\(parameters.memoryKiB),t=\(parameters.timeCost),p=\(parameters.parallelism)$"
        return hash.hasPrefix(prefix) == false
    }

    package static func verifySync(_ password: String, _ hash: String) -> Bool {
        if hash.hasPrefix("$argon2id$") {
            return argon2id_verify(hash, password, password.utf8.count) == ARGON2_OK.rawValue
        }
        if hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") {
            return Bcrypt.verify(password, hash: hash)
        }
        if hash.hasPrefix("$2y$") {
            // $2y$ is PHP's name for the same algorithm as $2b$.
            return Bcrypt.verify(password, hash: "$2b$" + hash.dropFirst(4))
        }
        return false
    }

    package static func argon2Hash(_ password: String, parameters: Argon2Parameters) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = generator.next() }
        let t = UInt32(parameters.timeCost)
        let m = UInt32(parameters.memoryKiB)
        let p = UInt32(parameters.parallelism)
        let length = argon2_encodedlen(t, m, p, UInt32(salt.count), 32, Argon2_id)
        var encoded = [CChar](repeating: 0, count: length)
        let status = password.withCString { pwd in
            argon2id_hash_encoded(t, m, p, pwd, password.utf8.count, salt, salt.count, 32, &encoded, length)
        }
        guard status == ARGON2_OK.rawValue else {
            throw PasswordHashError(message: String(cString: argon2_error_message(status)))
        }
        let bytes = encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// libargon2 refused to hash (for example, too little memory).
package struct PasswordHashError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { "argon2: \(message)" }
}

/// `gateway_hash_jobs_total{outcome}`: hashing jobs refused (queue full) or dropped (client gone).
package enum HashMetrics {
    package static func refused() { Counter(label: "gateway_hash_jobs_total", dimensions: [("outcome", "refused")]).increment() }
    package static func dropped() { Counter(label: "gateway_hash_jobs_total", dimensions: [("outcome", "dropped")]).increment() }
}
