"""A hypothesis strategy of damaged files, shared by the fuzz tests of every reader."""

from hypothesis import strategies as st


@st.composite
def damaged_bytes(draw, valid, magics=(b"",)):
    """Random bytes, one of ``magics`` then random bytes, or the bytes of ``valid()``
    (a valid file, built only when needed) with bytes changed, cut off or spliced."""
    how = draw(st.sampled_from(["random", "magic", "flips", "truncate", "splice"]))
    if how == "random":
        return draw(st.binary(max_size=3000))
    if how == "magic":
        return draw(st.sampled_from(magics)) + draw(st.binary(max_size=3000))
    data = bytearray(valid())
    if how == "flips":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "truncate":
        return bytes(data[:draw(st.integers(0, len(data) - 1))])
    start = draw(st.integers(0, len(data)))
    stop = draw(st.integers(start, min(len(data), start + 64)))
    return bytes(data[:start]) + draw(st.binary(max_size=64)) + bytes(data[stop:])
