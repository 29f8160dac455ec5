"""The HTTP application of ${{ values.name }}."""

from fastapi import FastAPI

app = FastAPI(title="${{ values.name }}")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
