// The whole life of a case, both sides, at 320 px (workspace.mjs).
import { NARROW, lifeOfACase } from "./workspace.mjs";

lifeOfACase(NARROW);
