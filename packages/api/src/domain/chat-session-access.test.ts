/**
 * `ChatSession` with identities: who may use which name, and who may read and join a private
 * room. Over the memory broker; the stores' own sentences are the access contract, and the
 * same rules through the real client and server are in tests/integration/identity*.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sessionDeps } from "../testing/session-deps.js";
import { DEFAULT_NAME_CLAIM_TTL_MS, INVITE_TTL_MS } from "./access-control.js";
import { ChatSession } from "./chat-session.js";
import { ManualClock } from "./clock.js";
import { ChatError, type ChatErrorReason } from "./errors.js";
import { connectionIdentity, guestIdentity, type Identity, signedInIdentity } from "./identity.js";
import { MemoryBroker } from "./memory-broker.js";

/** The refusal `promise` ends with: its reason and sentence. */
async function refusal(promise: Promise<unknown>): Promise<{ reason: ChatErrorReason; message: string }> {
  const error: unknown = await promise.then(
    () => new Error("expected a refusal, but it succeeded"),
    (reason: unknown) => reason,
  );
  if (!(error instanceof ChatError)) throw error;
  return { reason: error.reason, message: error.message };
}

describe("ChatSession with identities", () => {
  let clock: ManualClock;
  let broker: MemoryBroker;
  let sessions = 0;
  const alice = guestIdentity("alice-secret-0123456789");
  const mallory = guestIdentity("mallory-secret-0123456789");

  const connect = (identity?: Identity): ChatSession =>
    new ChatSession(`conn-${++sessions}`, sessionDeps(broker, clock, { burst: 100, perSecond: 100 }), {}, undefined, identity);

  beforeEach(() => {
    clock = new ManualClock();
    broker = new MemoryBroker({ clock });
  });

  afterEach(async () => {
    await broker.close();
  });

  describe("names", () => {
    it("refuses a name another identity holds, in any room and however it is spelled", async () => {
      await connect(alice).join("general", "Alice");
      for (const spelling of ["Alice", "alice", "ALICE", "\u0430lice", "ALİCE", "ａｌｉｃｅ"]) {
        expect(await refusal(connect(mallory).join("random", spelling))).toEqual({
          reason: "NAME_TAKEN",
          message: `The name ${spelling} is taken; pick another.`,
        });
      }
      expect(await broker.members("random")).toEqual([]);
    });

    it("lets one identity use its name from many connections and rooms at once, in its own spelling", async () => {
      const first = await connect(alice).join("general", "Alice");
      await connect(alice).join("general", "Alice");
      await connect(alice).join("random", "Alice");
      expect(first.username).toBe("Alice");
      expect(await broker.members("general")).toEqual([{ username: "Alice" }]);
    });

    it("counts 'Straße' and 'STRASSE' as one name", async () => {
      await connect(alice).join("general", "Straße");
      expect((await refusal(connect(mallory).join("general", "STRASSE"))).reason).toBe("NAME_TAKEN");
    });

    it("frees a name its holder has not used for the claim's time, and keeps it while they use it", async () => {
      await connect(alice).join("general", "alice");
      clock.advance(DEFAULT_NAME_CLAIM_TTL_MS - 1);
      await connect(alice).join("random", "alice");
      clock.advance(DEFAULT_NAME_CLAIM_TTL_MS - 1);
      expect((await refusal(connect(mallory).join("general", "alice"))).reason).toBe("NAME_TAKEN");
      clock.advance(1);
      await connect(mallory).join("lobby", "alice");
      expect((await refusal(connect(alice).join("lobby", "alice"))).reason).toBe("NAME_TAKEN");
    });

    it("lets a connection without an identity hold a free name until it closes, and never take a held one", async () => {
      await connect(alice).join("general", "alice");
      const anonymous = connect();
      expect((await refusal(anonymous.join("general", "alice"))).reason).toBe("NAME_TAKEN");
      await anonymous.join("general", "carol");
      const other = connect(connectionIdentity("another"));
      expect((await refusal(other.join("random", "carol"))).reason).toBe("NAME_TAKEN");
      expect((await refusal(connect(mallory).join("random", "Carol"))).reason).toBe("NAME_TAKEN");
      await anonymous.leaveAll();
      await connect(mallory).join("random", "carol");
    });

    it("lets a signed-in person use their own name only, and gives it to them whoever held it", async () => {
      await connect(mallory).join("general", "alice");
      const signedIn = connect(signedInIdentity("user-1", "Alice"));
      expect(await refusal(signedIn.join("general", "bob"))).toEqual({
        reason: "NOT_YOUR_NAME",
        message: "You are signed in as Alice; join under that name.",
      });
      await signedIn.join("random", "alice");
      expect((await refusal(connect(mallory).join("lobby", "alice"))).reason).toBe("NAME_TAKEN");
    });
  });

  describe("private rooms", () => {
    it("keeps a private room's stream, history and search from anyone but its members", async () => {
      const joined = await connect(alice).join("secret", "alice", { private: true });
      expect(joined.private).toBe(true);
      const stranger = connect(mallory);
      const closed = { reason: "PRIVATE_ROOM", message: "This room is private; ask a member for an invite link." };
      expect(await refusal(stranger.join("secret", "mallory"))).toEqual(closed);
      expect(await refusal(stranger.checkReadable("secret"))).toEqual(closed);
      expect(await refusal(stranger.history("secret", null, 10))).toEqual(closed);
      expect(await refusal(stranger.search("secret", "hello", 10))).toEqual(closed);
      expect(await stranger.privateRooms()).toEqual([]);
      await connect(alice).checkReadable("secret");
      expect(await connect(alice).privateRooms()).toEqual(["secret"]);
    });

    it("lets an invite's holder in, who is a member from then on, until the invites are revoked", async () => {
      const owner = connect(alice);
      await owner.join("secret", "alice", { private: true });
      const { invite, expiresAt } = await owner.createInvite("secret");
      expect(expiresAt.getTime()).toBe(clock.now() + INVITE_TTL_MS);
      const guest = await connect(mallory).join("secret", "mallory", { invite });
      expect(guest.private).toBe(true);
      // A reconnect: a new connection of the same identity, without the invite.
      await connect(mallory).join("secret", "mallory");
      await owner.revokeInvites("secret");
      const late = guestIdentity("late-secret-0123456789ab");
      expect(await refusal(connect(late).join("secret", "late", { invite }))).toEqual({
        reason: "PRIVATE_ROOM",
        message: "This invite link has expired or was revoked; ask a member for a new one.",
      });
      await connect(mallory).checkReadable("secret");
    });

    it("stops an invite letting people in after its time", async () => {
      const owner = connect(alice);
      await owner.join("secret", "alice", { private: true });
      const { invite } = await owner.createInvite("secret");
      clock.advance(INVITE_TTL_MS);
      expect((await refusal(connect(mallory).join("secret", "mallory", { invite }))).reason).toBe("PRIVATE_ROOM");
    });

    it("makes a room private only when it does not exist yet", async () => {
      await connect(mallory).join("general", "mallory");
      expect(await refusal(connect(alice).join("general", "alice", { private: true }))).toEqual({
        reason: "ROOM_EXISTS",
        message: "The room general already exists and is open to everyone; pick another name for a private room.",
      });
      expect(await broker.members("general")).toEqual([{ username: "mallory" }]);
    });

    it("gives invites only to members, and only to private rooms", async () => {
      await connect(alice).join("secret", "alice", { private: true });
      await connect(alice).join("general", "alice");
      expect((await refusal(connect(mallory).createInvite("secret"))).reason).toBe("PRIVATE_ROOM");
      expect((await refusal(connect(mallory).revokeInvites("secret"))).reason).toBe("PRIVATE_ROOM");
      expect(await refusal(connect(alice).createInvite("general"))).toEqual({
        reason: "NOT_PRIVATE",
        message: "general is open to everyone: share its name, no invite is needed.",
      });
    });

    it("ignores an invite to a room anyone may join", async () => {
      const joined = await connect(mallory).join("general", "mallory", { invite: "not-an-invite-of-anything" });
      expect(joined.private).toBe(false);
    });
  });
});
