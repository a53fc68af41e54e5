"""Point labels that do not print over each other (shared by the plot scripts).

place_labels(ax, points) tries a few offsets around each point, in order, and keeps the first
whose text box overlaps no label already placed and no other point's marker; a label that finds
no free place is left out, and its text is returned so the caller can list it elsewhere.
Points with the same text lying within a few pixels of each other (one shape measured by two
backends) share one label, placed at the topmost of them.
"""

# Offsets in points (dx, dy, horizontal alignment, vertical alignment), nearest first.
_OFFSETS = [(5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"),
            (-5, -4, "right", "top"), (0, 8, "center", "bottom"), (0, -8, "center", "top"),
            (12, 12, "left", "bottom"), (12, -12, "left", "top"), (-12, 12, "right", "bottom"),
            (-12, -12, "right", "top")]


def place_labels(ax, points, fontsize=6, color="#333333"):
    """points: [(x, y, text)] in data coordinates. Returns the texts that were left out."""
    fig = ax.figure
    fig.canvas.draw()  # fixes the layout so extents are final
    renderer = fig.canvas.get_renderer()
    trans = ax.transData
    markers = []
    for x, y, _ in points:
        px, py = trans.transform((x, y))
        markers.append((px - 3, py - 3, px + 3, py + 3))
    axbox = ax.get_window_extent(renderer)
    placed, left_out = [], []
    # One label per cluster of equal texts within 30 px.
    anchors = []  # (index of the anchor point, text)
    for i, (x, y, text) in enumerate(points):
        px, py = trans.transform((x, y))
        for k, (j, t) in enumerate(anchors):
            qx, qy = trans.transform(points[j][:2])
            if t == text and abs(px - qx) < 30 and abs(py - qy) < 30:
                if py > qy:
                    anchors[k] = (i, t)
                break
        else:
            anchors.append((i, text))

    def overlaps(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    for i, text in anchors:
        x, y = points[i][:2]
        for dx, dy, ha, va in _OFFSETS:
            t = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                            fontsize=fontsize, color=color,
                            bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none", alpha=0.7))
            e = t.get_window_extent(renderer)
            box = (e.x0 - 1, e.y0 - 1, e.x1 + 1, e.y1 + 1)
            inside = box[0] >= axbox.x0 and box[2] <= axbox.x1 and box[1] >= axbox.y0 and box[3] <= axbox.y1
            if inside and not any(overlaps(box, p) for p in placed) and \
                    not any(overlaps(box, m) for j, m in enumerate(markers) if j != i):
                placed.append(box)
                break
            t.remove()
        else:
            left_out.append(text)
    return left_out
