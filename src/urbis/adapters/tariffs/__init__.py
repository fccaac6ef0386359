"""Reading tariffs from files: urbis's own format and the OpenEI Utility Rate Database."""
