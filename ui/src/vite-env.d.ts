/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** "1" selects the in-memory fake host in development, even inside Tauri. */
  readonly VITE_FAKE_HOST?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
