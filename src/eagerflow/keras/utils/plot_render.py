"""Drawing a laid-out model plot: a Pillow bitmap (PNG, JPEG, PDF, ...) or SVG text, with
record-like boxes, arrows and dashed frames around expanded nested models."""

from __future__ import annotations

from eagerflow.keras.utils.plot_layout import PlotLayout, Style

__all__ = ["render_image", "render_svg"]


def _arrow_head(points, style: Style) -> list[tuple[float, float]]:
    """Triangle at the end of the polyline `points`, pointing along its last segment."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    bx, by = x1 - ux * style.arrow_length, y1 - uy * style.arrow_length
    w = style.arrow_half_width
    return [(x1, y1), (bx - uy * w, by + ux * w), (bx + uy * w, by - ux * w)]


def _cluster_frames(plot: PlotLayout, style: Style) -> list[tuple[str, tuple[float, ...]]]:
    """(name, (left, top, right, bottom)) of each expanded nested model's dashed frame."""
    frames = []
    pad = style.pad_x
    for cluster in plot.graph.clusters:
        if not cluster.members:
            continue
        boxes = [plot.layout.boxes[i] for i in cluster.members]
        frames.append((cluster.name, (
            min(b.x for b in boxes) - pad,
            min(b.y for b in boxes) - pad - style.row_height,
            max(b.x + b.width for b in boxes) + pad,
            max(b.y + b.height for b in boxes) + pad)))
    return frames


def _dashed_rectangle(draw, frame, style: Style) -> None:
    left, top, right, bottom = frame
    dash = 4 * style.line_width
    for (x0, y0), (x1, y1) in (((left, top), (right, top)), ((right, top), (right, bottom)),
                               ((right, bottom), (left, bottom)), ((left, bottom), (left, top))):
        length = max(abs(x1 - x0), abs(y1 - y0))
        steps = max(int(length // (2 * dash)), 1)
        for i in range(steps + 1):
            start, stop = i * 2 * dash / length, min((i * 2 + 1) * dash / length, 1.0)
            if start >= 1.0:
                break
            draw.line([(x0 + (x1 - x0) * start, y0 + (y1 - y0) * start),
                       (x0 + (x1 - x0) * stop, y0 + (y1 - y0) * stop)],
                      fill="gray", width=style.line_width)


def render_image(plot: PlotLayout):
    """The drawing as a white RGB `PIL.Image`."""
    from PIL import Image, ImageDraw

    style = Style(plot.dpi)
    layout = plot.layout
    image = Image.new("RGB", (max(int(round(layout.width)), 1), max(int(round(layout.height)),
                                                                     1)), "white")
    draw = ImageDraw.Draw(image)
    for name, frame in _cluster_frames(plot, style):
        _dashed_rectangle(draw, frame, style)
        draw.text((frame[0] + style.pad_x, frame[1] + style.pad_y - style.text_top), name,
                  fill="black", font=style.font)
    for arrow in layout.arrows:
        draw.line(list(arrow.points), fill="black", width=style.line_width)
        draw.polygon(_arrow_head(arrow.points, style), fill="black")
    for box, lines in zip(layout.boxes, plot.rows):
        draw.rectangle([box.x, box.y, box.x + box.width, box.y + box.height], fill="white",
                       outline="black", width=style.line_width)
        for i, text in enumerate(lines):
            top = box.y + i * style.row_height
            if i:
                draw.line([(box.x, top), (box.x + box.width, top)], fill="black",
                          width=style.line_width)
            left = box.x + (box.width - style.text_width(text)) / 2
            draw.text((left, top + style.pad_y - style.text_top), text, fill="black",
                      font=style.font)
    return image


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def render_svg(plot: PlotLayout) -> str:
    """The drawing as SVG text (the same geometry as the bitmap)."""
    style = Style(plot.dpi)
    layout = plot.layout
    size = style.line_height
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width:.0f}" '
             f'height="{layout.height:.0f}" viewBox="0 0 {layout.width:.1f} '
             f'{layout.height:.1f}" font-family="sans-serif" font-size="{size}">',
             '<rect width="100%" height="100%" fill="white"/>']
    for name, (left, top, right, bottom) in _cluster_frames(plot, style):
        parts.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
                     f'height="{bottom - top:.1f}" fill="none" stroke="gray" '
                     f'stroke-dasharray="4"/>')
        parts.append(f'<text x="{left + style.pad_x:.1f}" y="{top + style.row_height / 2:.1f}" '
                     f'dominant-baseline="central">{_xml(name)}</text>')
    for arrow in layout.arrows:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in arrow.points)
        head = " ".join(f"{x:.1f},{y:.1f}" for x, y in _arrow_head(arrow.points, style))
        parts.append(f'<polyline points="{points}" fill="none" stroke="black"/>')
        parts.append(f'<polygon points="{head}" fill="black"/>')
    for box, lines in zip(layout.boxes, plot.rows):
        parts.append(f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
                     f'height="{box.height:.1f}" fill="white" stroke="black"/>')
        for i, text in enumerate(lines):
            top = box.y + i * style.row_height
            if i:
                parts.append(f'<line x1="{box.x:.1f}" y1="{top:.1f}" '
                             f'x2="{box.x + box.width:.1f}" y2="{top:.1f}" stroke="black"/>')
            parts.append(f'<text x="{box.x + box.width / 2:.1f}" '
                         f'y="{top + style.row_height / 2:.1f}" text-anchor="middle" '
                         f'dominant-baseline="central">{_xml(text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
