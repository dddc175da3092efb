// The printable board's 打印 button (no inline script: the CSP forbids it).
const button = document.getElementById("print-board");
if (button) button.addEventListener("click", () => window.print());
