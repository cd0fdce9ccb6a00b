// Must stay first: configures zod before any module that loads it.
import "./zod-config";
import { render } from "solid-js/web";
import { App } from "./App";
import { openConnection } from "./connection";
import { ChatProvider } from "./stores/chat-context";
import { createChatStore } from "./stores/chat-store";
import "./styles.css";

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element.");

// One connection and one store for the page's lifetime; closing the tab closes the socket,
// and the server then leaves every room for us.
const store = createChatStore(openConnection());

render(
  () => (
    <ChatProvider store={store}>
      <App />
    </ChatProvider>
  ),
  root,
);
