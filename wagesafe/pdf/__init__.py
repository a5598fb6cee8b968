"""PDF text shared by the posters and card (``qr``) and the worker's documents (``formsvc``): the
embedded CJK + Latin fonts (``fonts``), their unhinted Latin subset (``ttf``) and mixed-script
drawing and wrapping (``text``). It lives in ``wagesafe/`` because two parts need it and neither
may import the other (HACKING.md)."""
