import { describeAccessContract } from "../testing/access-contract.js";
import { MemoryAccessStore } from "./memory-access-store.js";

describeAccessContract("MemoryAccessStore", async () => ({ store: new MemoryAccessStore(), close: async () => {} }));
