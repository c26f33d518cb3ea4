import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The dashboard, and the guest's join page (the box serves dist/guest/join.html at /join/{token}).
    rolldownOptions: { input: { index: "index.html", join: "guest/join.html" } },
  },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8080", ws: true } } },
});
