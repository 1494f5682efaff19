// Peerakeet dashboard behaviour. No inline scripts: the Content Security Policy forbids them.
"use strict";
