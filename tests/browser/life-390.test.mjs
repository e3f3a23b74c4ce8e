// The whole life of a case, both sides, at 390 px (workspace.mjs).
import { PHONE } from "./support.mjs";
import { lifeOfACase } from "./workspace.mjs";

lifeOfACase(PHONE);
