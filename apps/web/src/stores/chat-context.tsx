import { createContext, type JSX, useContext } from "solid-js";
import type { ChatStore } from "./chat-store";

const ChatContext = createContext<ChatStore>();

/** Makes `props.store` available to every component below through `useChat()`. */
export function ChatProvider(props: { store: ChatStore; children: JSX.Element }): JSX.Element {
  return <ChatContext.Provider value={props.store}>{props.children}</ChatContext.Provider>;
}

/** The chat store provided by the nearest `ChatProvider`. */
export function useChat(): ChatStore {
  const store = useContext(ChatContext);
  // A missing provider is a programming error; failing loudly beats rendering an empty app.
  if (store === undefined) throw new Error("useChat() needs a <ChatProvider> above it.");
  return store;
}
