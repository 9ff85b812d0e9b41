// Component tests run in jsdom; Bits UI needs these browser APIs.
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;
import '@testing-library/jest-dom/vitest';
