export * from "./source-definition.js";
