// The hotline console: Ctrl+Enter (or Cmd+Enter) sends the form from any field.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    const form = document.getElementById("hotline-form");
    if (form) {
      event.preventDefault();
      form.requestSubmit();
    }
  }
});
